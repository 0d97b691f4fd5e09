"""Synthetic rooms with planted opinion groups, for the opinion-map tests and benchmark, and the adjusted Rand
index that compares the groups found with the planted ones."""

import math
import random
from collections import Counter
from dataclasses import dataclass


@dataclass
class Room:
    votes: list[tuple[int, int, int]]  # (participant, statement, vote)
    planted: dict[int, int]  # participant -> planted group
    opinions: list[list[int]]  # group -> its side on each statement (1, -1, 0)


def planted_room(
    groups: int,
    *,
    people: int = 120,
    statements: int = 40,
    noise: float = 0.15,
    coverage: tuple[float, float] = (0.4, 1.0),
    seed: int = 0,
) -> Room:
    """A room whose people belong to ``groups`` planted groups of unequal sizes. Opinions live in a plane, as
    Polis assumes: group g sits at angle 2*pi*g/groups, statement j points at a random angle, and a group agrees
    with a statement pointing its way, disagrees with one pointing away and passes when it is square to it.
    Each person reacts to a random share (``coverage``) of the statements; each reaction is replaced by a random
    one with probability ``noise``."""
    rng = random.Random(seed)
    angles = [2 * math.pi * g / groups for g in range(groups)]
    directions = [rng.uniform(0, 2 * math.pi) for _ in range(statements)]
    opinions = [[_side(math.cos(a - d)) for d in directions] for a in angles]
    shares = [1 + g for g in range(groups)]  # unequal sizes: 1 : 2 : 3 : 4
    planted = {p: rng.choices(range(groups), weights=shares)[0] for p in range(people)}
    votes = []
    for p, g in planted.items():
        seen = rng.sample(range(statements), max(1, round(statements * rng.uniform(*coverage))))
        for s in seen:
            vote = opinions[g][s] if rng.random() >= noise else rng.choice((1, 0, -1))
            votes.append((p, s, vote))
    return Room(votes, planted, opinions)


def _side(alignment: float) -> int:
    if alignment > 0.3:
        return 1
    if alignment < -0.3:
        return -1
    return 0


def adjusted_rand_index(labels_a: list, labels_b: list) -> float:
    """Adjusted Rand index of two labellings of the same items (Hubert and Arabie 1985): 1 for identical
    partitions, about 0 for chance agreement."""
    if len(labels_a) != len(labels_b):
        raise ValueError("the two labellings must label the same items")

    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    index = sum(pairs(n) for n in Counter(zip(labels_a, labels_b, strict=True)).values())
    rows = sum(pairs(n) for n in Counter(labels_a).values())
    cols = sum(pairs(n) for n in Counter(labels_b).values())
    expected = rows * cols / pairs(len(labels_a))
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)
