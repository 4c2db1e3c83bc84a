#!/usr/bin/python3
"""Writes the numbers that gen_numbers.sh spells: integers safe for
JavaScript (|n| <= 2^53-1) to argv[1], and those plus larger integers and
decimals to argv[2]. Seeded, so the fixture is reproducible."""
import random
import sys

rng = random.Random(5)
ints = list(range(0, 2101)) + [-1, -2, -11, -100, -999, -1001, -123456]
for k in range(1, 17):
    p = 10 ** k
    ints += [p, p - 1, p + 1, p + 10, p + 99, p + 100, 2 * p + 13]
    for _ in range(150):
        ints.append(rng.randrange(p // 10, p))
        if rng.random() < 0.2:
            ints.append(-rng.randrange(p // 10, p))
safe = 2 ** 53 - 1
ints = [n for n in dict.fromkeys(ints) if abs(n) <= safe]
big = [2 ** 63 - 1, -(2 ** 63), 10 ** 18, 10 ** 21, 10 ** 33, 10 ** 36, 10 ** 63, 10 ** 66 - 1]
for k in range(17, 67):
    for _ in range(10):
        big.append(rng.randrange(10 ** (k - 1), 10 ** k))
decs = ["0.0", "0.5", "-0.5", "1.50", "3.14", "0.05", "-0", "1,234", "1,234,567.089", ".5", "007", "1000.001"]
for _ in range(300):
    i = rng.choice([0, rng.randrange(1, 100), rng.randrange(100, 10 ** 7)])
    f = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6)))
    sign = "-" if rng.random() < 0.2 else ""
    decs.append("%s%d.%s" % (sign, i, f))
with open(sys.argv[1], "w") as f:
    f.write("\n".join(str(n) for n in ints) + "\n")
with open(sys.argv[2], "w") as f:
    f.write("\n".join([str(n) for n in ints] + [str(n) for n in big] + decs) + "\n")
