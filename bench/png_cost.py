"""What an image costs the service after the model: PNG encoding per zlib level, and the JSON around it.

    python bench/png_cost.py [--repeat 2000]

Decodes one prior sample of each shipped model, then times app/png.py's encoding of it at compression
levels 0, 1 and 6 (zlib's default) and the JSON of a one-image /decode answer (the response model
FastAPI serialises). Prints µs per image and bytes. The service uses PNG_COMPRESS_LEVEL.
"""

from __future__ import annotations

import argparse
import timeit
from pathlib import Path

import numpy as np

from app.png import PNG_COMPRESS_LEVEL, png_data_url
from app.schemas import Images

BUNDLES = Path(__file__).resolve().parent.parent / "model" / "bundles"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()

    import tensorflow as tf

    from model.bundle import load_bundle

    print(f"{'model':<8} {'what':<18} {'µs/image':>9} {'bytes':>7}")
    for name in ("digits", "faces"):
        bundle = load_bundle(BUNDLES / name)
        top = np.random.default_rng(0).standard_normal((1, bundle.config.model.latent_sizes[-1])).astype(np.float32)
        image = bundle.model.decode(bundle.model.from_prior(tf.constant(top))).numpy()[0]
        for level in (0, 1, 6):
            seconds = timeit.timeit(lambda i=image, z=level: png_data_url(i, z), number=args.repeat) / args.repeat
            what = f"PNG level {level}" + (" (served)" if level == PNG_COMPRESS_LEVEL else "")
            print(f"{name:<8} {what:<18} {seconds * 1e6:9.0f} {len(png_data_url(image, level)):7d}")
        url = png_data_url(image)
        answer = Images(model=name, images=[url], strip=url)
        seconds = timeit.timeit(answer.model_dump_json, number=args.repeat) / args.repeat
        print(f"{name:<8} {'JSON of /decode':<18} {seconds * 1e6:9.0f} {len(answer.model_dump_json()):7d}")


if __name__ == "__main__":
    main()
