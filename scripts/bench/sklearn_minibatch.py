"""scikit-learn MiniBatchKMeans colour quantization, for kpress's benchmark (scripts/bench-core.mjs).

Usage: sklearn_minibatch.py IN.rgb OUT.rgb WIDTH HEIGHT K
Reads tightly packed 8-bit RGB, fits MiniBatchKMeans(n_clusters=K, random_state=0, n_init=3) on
every pixel, predicts every pixel, writes the quantized RGB (centres rounded to 8 bits) and prints
one JSON line: {"fit_predict_ms": ..., "sklearn": version}. Only fit + predict are timed.
"""
import json
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.cluster import MiniBatchKMeans


def main() -> None:
    src, dst, width, height, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    pixels = np.fromfile(src, dtype=np.uint8).reshape(width * height, 3)
    points = pixels.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3)
        model.fit(points)
        labels = model.predict(points)
        elapsed = (time.perf_counter() - start) * 1000
    palette = np.clip(np.rint(model.cluster_centers_), 0, 255).astype(np.uint8)
    palette[labels].tofile(dst)
    print(json.dumps({"fit_predict_ms": elapsed, "sklearn": sklearn.__version__, "steps": int(model.n_steps_)}))


if __name__ == "__main__":
    main()
