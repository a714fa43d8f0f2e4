#!/usr/bin/env python3
"""B2's input (docs/benchmarks.md, bench/run_b2.sh): N `lon,lat` lines drawn uniformly over a
bounding box, the same lines for the same seed.

Usage: bench/b2_points.py N SEED MINX MINY MAXX MAXY > points.csv
"""
import random
import sys


def main(argv):
    if len(argv) != 7:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    n, seed = int(argv[1]), int(argv[2])
    minx, miny, maxx, maxy = (float(a) for a in argv[3:7])
    # Our own generator, not the module's: the seed alone decides the points.
    rng = random.Random(seed)
    out = sys.stdout
    chunk = []
    for _ in range(n):
        # 7 decimals are ~1 cm, a real GPS fix's precision; every program parses the same text.
        chunk.append("%.7f,%.7f\n" % (rng.uniform(minx, maxx), rng.uniform(miny, maxy)))
        if len(chunk) == 65536:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
