"""
Online learning with partial_fit
================================

Train on a stream of small batches that arrive one at a time, as when data
comes from a queue or a file too large for memory. Each ``partial_fit`` call
runs one epoch of per-example SGD over its batch and keeps the weights for
the next call.

The stream is the handwritten digits data set, 1,347 images in batches of
30, and 450 held-out images measure the accuracy as the stream goes on. The
first batch contains only the digits 0 to 4, so the first call must name
all ten classes with ``classes=``. Later batches may also lack a digit.

Run it with ``python examples/online_learning.py``.
"""

# %%
# Hold out a quarter of the images for testing and turn the rest into a
# stream. Pixel values run from 0 to 16, and dividing by 16 scales them to
# [0, 1] without a scaler that would need the whole stream.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skautonet import AutogradMLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_stream, X_test, y_stream, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# Move 30 images of the digits 0 to 4 to the front, so the first batch lacks
# half of the classes. The split above already shuffled the rest.
low_digits = np.flatnonzero(y_stream < 5)[:30]
order = np.concatenate([low_digits, np.setdiff1d(np.arange(len(y_stream)), low_digits)])
X_stream, y_stream = X_stream[order], y_stream[order]

batch_size = 30
batches = [
    (X_stream[start : start + batch_size], y_stream[start : start + batch_size])
    for start in range(0, len(y_stream), batch_size)
]
all_classes = np.unique(y)

# %%
# Feed the batches one at a time. Only the first call passes ``classes``,
# and later calls ignore it.
clf = AutogradMLPClassifier(hidden_layer_sizes=(32,), random_state=0)

print("batch  images seen  digits missing from batch  held-out accuracy")
images_seen = 0
for number, (X_batch, y_batch) in enumerate(batches, start=1):
    if number == 1:
        clf.partial_fit(X_batch, y_batch, classes=all_classes)
    else:
        clf.partial_fit(X_batch, y_batch)
    images_seen += len(y_batch)

    if number == 1 or number % 5 == 0 or number == len(batches):
        missing = np.setdiff1d(all_classes, y_batch).tolist() or "none"
        accuracy = clf.score(X_test, y_test)
        print(f"{number:5d}  {images_seen:11d}  {missing!s:>25}  {accuracy:17.3f}")

# %%
# After the whole stream the model has seen every training image once.
batches_missing_a_digit = sum(
    len(np.unique(y_batch)) < len(all_classes) for _, y_batch in batches
)
print(
    f"batches missing at least one digit: {batches_missing_a_digit} of {len(batches)}"
)
print(f"epochs run (one per partial_fit call): {clf.n_iter_}")
print(f"final held-out accuracy: {clf.score(X_test, y_test):.3f}")
