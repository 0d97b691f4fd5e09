"""Opinion groups of a room, computed as Polis computes them (compdemocracy/polis, math/src/polismath/math:
conversation.clj, pca.clj, clusters.clj, repness.clj, stats.clj).

Pure numpy, no database: the caller passes the reactions and gets back the map, the groups, what sets each
group apart and what every group agrees on. The same input always gives the same output (seeded).

Following Polis:
- the matrix is participant x statement, agree 1, disagree -1, pass 0; a missing reaction is replaced by the
  statement's mean reaction, so it adds nothing to the principal components;
- the statements the moderator hid stay in the matrix as a column of zeros for everyone (Polis "zeroes out"
  moderated-out comments): they weigh nothing in the components but count as a reaction from everyone in the
  sparse-voter scaling below, which tempers it. On the Seattle conversation this is what matches Polis's
  groups (adjusted Rand index 0.88; 0.56 with the hidden statements dropped instead). They are left out of
  the statements reported as representative or consensual;
- two principal components of the centred matrix of everyone who reacted (placed or not, as Polis); a
  person's position is the projection of the reactions they gave, scaled by sqrt(statements / reactions
  given), which pushes sparse voters out from the centre instead of leaving them piled at the mean;
- only people who reacted to min(7, statements) statements are placed (votes on hidden statements count);
- up to 100 base clusters by k-means on the positions, then k-means of the base clusters (weighted by their
  sizes) for k = 2 .. min(5, 2 + base clusters / 12), keeping the k whose silhouette over the base clusters
  is best;
- representative statements per group and the selection rules of repness.clj (smoothed probabilities, the
  ratio to the rest of the room, one- and two-proportion z-tests at 90%, the best "agree" statement first).

Where this differs from Polis, and why:
- Polis updates its clusters incrementally from the previous run and starts a fresh k-means from the first
  k distinct points; we start from scratch every time, so k-means starts from seeded k-means++ (several starts
  for the groups, keeping the lowest weighted inertia) to be deterministic without depending on row order;
- Polis smooths k over four runs (group-k-buffer) and places the 15 most active people when fewer than 15 have
  enough votes; both depend on previous runs or contradict "only people with enough reactions are placed";
- the principal components come from a symmetric eigendecomposition of the statement x statement scatter
  matrix rather than 100 power iterations: the same vectors, exactly, and cheaper;
- consensus: Polis's consensus list is the whole room's majority; a room wants what a large majority of
  *every group* agrees (or disagrees) with, so each group must pass Polis's test with a share of at least
  ``majority``; they are ranked by Polis's group-aware consensus (the product of the groups' probabilities).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

AGREE, PASS, DISAGREE = 1, 0, -1
MIN_VOTES = 7  # Polis: a person is placed after min(7, statements) reactions
MIN_GROUP_SIZE = 5  # smaller groups are not shown on their own (issue 21)
BASE_K = 100
MAX_K = 5
Z_90 = 1.2816  # one-sided 90%, as stats.clj
MAX_REPRESENTATIVE = 5
MAX_CONSENSUS = 5
CONSENSUS_MAJORITY = 0.6
GROUP_STARTS = 10  # k-means++ starts for the groups (base clusters: one)
MAX_ITERATIONS = 100  # Polis: base-iters and group-iters
CENTRE_TOLERANCE = 0.01  # Polis's same-clustering? threshold

Direction = Literal["agree", "disagree"]


class Key(Protocol):
    """A participant or statement key: hashable, and sortable among its kind (ints, strings, UUIDs)."""

    def __hash__(self) -> int: ...

    def __lt__(self, other: Any, /) -> bool: ...


@dataclass(frozen=True)
class VoteCounts:
    agree: int
    disagree: int
    seen: int  # agree + disagree + pass

    @property
    def passed(self) -> int:
        return self.seen - self.agree - self.disagree


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart: the group agrees (or disagrees) with it more than the rest."""

    statement: Hashable
    direction: Direction
    n_success: int  # members of the group who reacted that way
    n_trials: int  # members of the group who reacted at all
    p_success: float  # (n_success + 1) / (n_trials + 2)
    p_test: float  # z of the one-proportion test that p_success > 0.5
    repness: float  # p_success / the same probability among the other groups
    repness_test: float  # z of the two-proportion test, group against the others
    best_agree: bool = False  # Polis always puts the group's best "agree" statement first


@dataclass(frozen=True)
class ConsensusStatement:
    statement: Hashable
    direction: Direction
    score: float  # product over groups of the smoothed probability (Polis's group-aware consensus)
    p_by_group: tuple[float, ...]  # smoothed probability in each group, in the order of OpinionMap.groups


@dataclass(frozen=True)
class Group:
    id: int  # 0 .. k-1, largest group first
    members: tuple[Hashable, ...]
    centre: tuple[float, float]
    votes: dict[Hashable, VoteCounts]  # per statement, this group's reactions
    representative: tuple[RepresentativeStatement, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def shown(self) -> bool:
        """Groups under MIN_GROUP_SIZE people are not shown on their own (they would single people out)."""
        return self.size >= MIN_GROUP_SIZE


@dataclass(frozen=True)
class OpinionMap:
    statements: tuple[Hashable, ...]  # the matrix's columns: every statement with at least one reaction
    positions: dict[Hashable, tuple[float, float]]  # placed participants only
    groups: tuple[Group, ...]
    consensus: tuple[ConsensusStatement, ...]
    silhouette: float | None  # of the chosen k over the base clusters; None with fewer than two groups
    n_participants: int  # everyone who reacted at least once
    min_votes: int  # reactions needed to be placed, min(7, statements)
    group_of: dict[Hashable, int] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return len(self.positions)


def compute_opinion_map(
    votes: Iterable[tuple[Key, Key, int]],
    *,
    hidden_statements: Collection[Hashable] = (),
    seed: int = 0,
    min_votes: int = MIN_VOTES,
    majority: float = CONSENSUS_MAJORITY,
) -> OpinionMap:
    """The room's opinion map from its reactions, as (participant, statement, vote) with vote 1 agree,
    -1 disagree, 0 pass; when a pair appears twice the later one counts (pass them oldest first).
    Participant and statement keys must be hashable and sortable among themselves (ints, strings, UUIDs).
    ``hidden_statements`` are moderated out. Pure: reads and writes nothing. Raises ValueError for a vote
    outside {-1, 0, 1}."""
    hidden = frozenset(hidden_statements)
    latest: dict[tuple[Key, Key], int] = {}
    for participant, statement, vote in votes:
        if vote not in (AGREE, PASS, DISAGREE):
            raise ValueError(f"vote must be 1, 0 or -1, not {vote!r}")
        latest[participant, statement] = int(vote)
    participants = tuple(sorted({p for p, _ in latest}))
    statements = tuple(sorted({s for _, s in latest}))
    if not latest:
        return OpinionMap((), {}, (), (), None, 0, 0)

    row = {p: i for i, p in enumerate(participants)}
    col = {s: j for j, s in enumerate(statements)}
    raw = np.full((len(participants), len(statements)), np.nan)
    pairs = np.array([(row[p], col[s]) for p, s in latest], dtype=np.intp)
    raw[pairs[:, 0], pairs[:, 1]] = np.fromiter(latest.values(), dtype=float, count=len(latest))

    visible = np.array([s not in hidden for s in statements])
    threshold = min(min_votes, len(statements))
    placed = np.flatnonzero(np.sum(~np.isnan(raw), axis=1) >= threshold)
    positions = _project(raw, visible)[placed]
    if not len(placed):
        return OpinionMap(statements, {}, (), (), None, len(participants), threshold)

    rng = np.random.default_rng(seed)
    base_labels, base_centres, base_sizes = _base_clusters(positions, rng)
    group_of_base, silhouette = _group_base_clusters(base_centres, base_sizes, rng)
    labels = _relabel_by_size(group_of_base[base_labels])
    k = int(labels.max()) + 1

    member_votes = raw[placed]
    counts = _group_counts(member_votes, labels, k)  # shape (3, k, statements): agree, disagree, seen
    visible_idx = np.flatnonzero(visible)
    groups = []
    for g in range(k):
        in_group = labels == g
        centre_x, centre_y = positions[in_group].mean(axis=0)
        votes_g: dict[Hashable, VoteCounts] = {
            statements[j]: VoteCounts(int(counts[0, g, j]), int(counts[1, g, j]), int(counts[2, g, j]))
            for j in visible_idx
        }
        representative = _representative(counts, g, visible_idx, statements) if k > 1 else ()
        groups.append(
            Group(
                id=g,
                members=tuple(participants[i] for i in placed[in_group]),
                centre=(float(centre_x), float(centre_y)),
                votes=votes_g,
                representative=representative,
            )
        )
    return OpinionMap(
        statements=statements,
        positions={participants[i]: (float(x), float(y)) for i, (x, y) in zip(placed, positions, strict=True)},
        groups=tuple(groups),
        consensus=_consensus(counts, visible_idx, statements, majority),
        silhouette=silhouette,
        n_participants=len(participants),
        min_votes=threshold,
        group_of={participants[i]: int(g) for i, g in zip(placed, labels, strict=True)},
    )


def _project(raw: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Everyone's position on the first two principal components, scaled up for sparse voters (pca.clj:
    sparsity-aware-project-ptpt)."""
    matrix = np.where(visible, raw, 0.0)  # hidden statements: a column of zeros, as Polis's zero-out-columns
    seen = ~np.isnan(matrix)
    n_seen = seen.sum(axis=0)
    means = np.divide(np.nansum(matrix, axis=0), n_seen, out=np.zeros(matrix.shape[1]), where=n_seen > 0)
    # Mean imputation makes a missing reaction exactly 0 once centred: it adds nothing to the projection,
    # which is what Polis's sparse projection does by skipping it.
    centred = np.where(seen, matrix - means, 0.0)
    components = _principal_components(centred, 2)
    n_votes = np.maximum(seen.sum(axis=1), 1)
    scale = np.sqrt(matrix.shape[1] / n_votes)
    return (centred @ components.T) * scale[:, None]


def _principal_components(centred: np.ndarray, n: int) -> np.ndarray:
    """The n leading eigenvectors of the scatter matrix, each signed so its largest entry is positive
    (an eigenvector's sign is arbitrary; fixing it keeps the map from flipping between runs). Rows of zeros
    stand in for components the data does not have (one statement, one person)."""
    scatter = centred.T @ centred
    eigenvalues, eigenvectors = np.linalg.eigh(scatter)
    order = np.argsort(eigenvalues)[::-1][:n]
    components = np.zeros((n, centred.shape[1]))
    for i, j in enumerate(order):
        if eigenvalues[j] <= 1e-12 * max(1.0, eigenvalues.max()):
            break
        vector = eigenvectors[:, j]
        components[i] = vector if vector[np.argmax(np.abs(vector))] > 0 else -vector
    return components


def _base_clusters(positions: np.ndarray, rng: np.random.Generator):
    """Up to BASE_K clusters of the placed people (conversation.clj :base-clusters): a fine partition of the
    map that the groups are built from. Returns each person's base cluster, the centres and the sizes."""
    weights = np.ones(len(positions))
    labels, centres = _kmeans(positions, weights, BASE_K, rng, starts=1)
    sizes = np.bincount(labels, minlength=len(centres)).astype(float)
    return labels, centres, sizes


def _group_base_clusters(centres: np.ndarray, sizes: np.ndarray, rng: np.random.Generator):
    """Groups of base clusters: weighted k-means for each k Polis tries, keeping the best silhouette
    (computed over the base clusters, unweighted, as clusters.clj does). Returns the group of each base
    cluster and the silhouette (None when there is a single group)."""
    n = len(centres)
    max_k = min(MAX_K, 2 + n // 12, n)
    if max_k < 2:
        return np.zeros(n, dtype=np.intp), None
    distances = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1))
    best = None
    for k in range(2, max_k + 1):
        labels, _ = _kmeans(centres, sizes, k, rng, starts=GROUP_STARTS)
        score = _silhouette(distances, labels)
        if best is None or score > best[1] + 1e-12:
            best = (labels, score)
    return best


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Group ids 0..k-1, largest first (ties: the group whose first member comes first)."""
    ids, first, sizes = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-sizes[i], first[i]))
    mapping = np.empty(ids.max() + 1, dtype=np.intp)
    mapping[ids[order]] = np.arange(len(ids))
    return mapping[labels]


def _kmeans(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator, *, starts: int):
    """Weighted Lloyd k-means from k-means++ starts; keeps the start with the lowest weighted inertia.
    Like clusters.clj, a cluster left empty is dropped, and iterations stop when no centre moves more than
    CENTRE_TOLERANCE. Returns labels 0..k'-1 (k' <= k) and the centres."""
    best = None
    for _ in range(starts):
        centres = _kmeans_plus_plus(points, weights, k, rng)
        for _ in range(MAX_ITERATIONS):
            labels = _nearest(points, centres)
            totals = np.bincount(labels, weights=weights, minlength=len(centres))
            kept = totals > 0
            sums = np.stack(
                [np.bincount(labels, weights=weights * points[:, d], minlength=len(centres)) for d in range(2)],
                axis=1,
            )
            moved = sums[kept] / totals[kept, None]
            converged = kept.all() and np.abs(moved - centres).max() <= CENTRE_TOLERANCE
            centres = moved
            if converged:
                break
        labels = _nearest(points, centres)
        used = np.unique(labels)
        centres = centres[used]
        labels = np.searchsorted(used, labels)
        inertia = float((weights * ((points - centres[labels]) ** 2).sum(axis=1)).sum())
        if best is None or inertia < best[2] - 1e-12:
            best = (labels, centres, inertia)
    assert best is not None  # every caller asks for at least one start
    return best[0], best[1]


def _kmeans_plus_plus(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ starting centres (at most as many as distinct points), weighted by cluster size."""
    chosen = [rng.choice(len(points), p=weights / weights.sum())]
    nearest = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    while len(chosen) < k:
        mass = weights * nearest
        if mass.sum() <= 0:
            break  # every point already coincides with a centre
        chosen.append(rng.choice(len(points), p=mass / mass.sum()))
        nearest = np.minimum(nearest, ((points - points[chosen[-1]]) ** 2).sum(axis=1))
    return points[chosen].copy()


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1).argmin(axis=1)


def _silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points (clusters.clj: a point alone in its cluster scores 0)."""
    k = int(labels.max()) + 1
    if k < 2:
        return -1.0
    one_hot = np.eye(k)[labels]
    sizes = one_hot.sum(axis=0)
    totals = distances @ one_hot  # each point's summed distance to each cluster
    own_size = sizes[labels] - 1
    own = np.divide(totals[np.arange(len(labels)), labels], own_size, out=np.zeros(len(labels)), where=own_size > 0)
    others = totals / sizes
    others[np.arange(len(labels)), labels] = np.inf
    nearest_other = others.min(axis=1)
    spread = np.maximum(own, nearest_other)
    score = np.divide(nearest_other - own, spread, out=np.zeros(len(labels)), where=spread > 0)
    score[own_size == 0] = 0.0
    return float(score.mean())


def _group_counts(member_votes: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    one_hot = np.eye(k)[labels].T  # (k, members)
    agree = one_hot @ (member_votes == AGREE)
    disagree = one_hot @ (member_votes == DISAGREE)
    seen = one_hot @ ~np.isnan(member_votes)
    return np.stack([agree, disagree, seen])


def _prop_test(successes, trials):
    """stats.clj prop-test: z for "more than half", with one pseudo-count."""
    return 2 * np.sqrt(trials + 1) * ((successes + 1) / (trials + 1) - 0.5)


def _two_prop_test(success_in, success_out, trials_in, trials_out):
    """stats.clj two-prop-test, with one pseudo-count on each of the four figures."""
    s1, s2, n1, n2 = success_in + 1, success_out + 1, trials_in + 1, trials_out + 1
    pooled = (s1 + s2) / (n1 + n2)
    denominator = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.divide(s1 / n1 - s2 / n2, denominator, out=np.zeros(np.broadcast(s1, n1).shape), where=pooled < 1)


def _representative(counts: np.ndarray, g: int, columns: np.ndarray, statements) -> tuple:
    """repness.clj conv-repness and select-rep-comments for group g, over the visible statements."""
    agree, disagree, seen = counts[0, g], counts[1, g], counts[2, g]
    rest = counts.sum(axis=1) - counts[:, g]
    stats = {
        "na": agree,
        "nd": disagree,
        "ns": seen,
        "pa": (agree + 1) / (seen + 2),
        "pd": (disagree + 1) / (seen + 2),
        "pat": _prop_test(agree, seen),
        "pdt": _prop_test(disagree, seen),
        "ra": ((agree + 1) / (seen + 2)) / ((rest[0] + 1) / (rest[2] + 2)),
        "rd": ((disagree + 1) / (seen + 2)) / ((rest[1] + 1) / (rest[2] + 2)),
        "rat": _two_prop_test(agree, rest[0], seen, rest[2]),
        "rdt": _two_prop_test(disagree, rest[1], seen, rest[2]),
    }
    sufficient, best, best_agree = [], None, None
    for j in columns:
        s = {name: float(values[j]) for name, values in stats.items()}
        if (s["rat"] > Z_90 and s["pat"] > Z_90) or (s["rdt"] > Z_90 and s["pdt"] > Z_90):
            sufficient.append((j, s))
        if not sufficient and (best is None or max(s["rat"], s["rdt"]) > best[1]["repness_test"]):
            best = (j, _finalize(s))
        if _beats_best_agree(s, best_agree and best_agree[1]):
            best_agree = (j, s)

    def statement(j, final, is_best_agree=False):
        return RepresentativeStatement(statements[j], **final, best_agree=is_best_agree)

    head = []
    if best_agree is not None:
        final = _finalize(best_agree[1], agree=True)
        head = [statement(best_agree[0], final, True)]
    elif best is not None:
        head = [statement(*best)]
    if not sufficient:
        return tuple(head)
    chosen = [(j, _finalize(s)) for j, s in sufficient if best_agree is None or j != best_agree[0]]
    chosen.sort(key=lambda item: -_repness_metric(item[1]))
    ranked = (head if best_agree is not None else []) + [statement(j, f) for j, f in chosen]
    ranked = ranked[:MAX_REPRESENTATIVE]
    return tuple([r for r in ranked if r.direction == "agree"] + [r for r in ranked if r.direction == "disagree"])


def _finalize(s: dict, *, agree: bool | None = None) -> dict:
    """repness.clj finalize-cmt-stats: the direction whose two-proportion z is higher, unless ``agree`` is
    given. Polis finalizes its best "agree" statement the same way, so a statement that the whole room agrees
    with (the two-proportion z for agreeing is then 0) comes out as "disagree" with 0 of n, and would read
    "0% of this group disagree"; we report it as what it was chosen for, agreement."""
    if agree is None:
        agree = s["rat"] > s["rdt"]
    prefix = ("a", "agree") if agree else ("d", "disagree")
    letter, direction = prefix
    return {
        "direction": direction,
        "n_success": int(s["n" + letter]),
        "n_trials": int(s["ns"]),
        "p_success": s["p" + letter],
        "p_test": s["p" + letter + "t"],
        "repness": s["r" + letter],
        "repness_test": s["r" + letter + "t"],
    }


def _repness_metric(final: dict) -> float:
    return final["repness"] * final["repness_test"] * final["p_success"] * final["p_test"]


def _beats_best_agree(s: dict, current: dict | None) -> bool:
    """repness.clj beats-best-agr?."""
    if s["na"] == 0 and s["nd"] == 0:
        return False
    if current is not None and current["ra"] > 1.0:
        return s["ra"] * s["rat"] * s["pa"] * s["pat"] > current["ra"] * current["rat"] * current["pa"] * current["pat"]
    if current is not None:
        return s["pa"] * s["pat"] > current["pa"] * current["pat"]
    return s["pat"] > Z_90 or (s["ra"] > 1.0 and s["pa"] > 0.5)


def _consensus(counts: np.ndarray, columns: np.ndarray, statements, majority: float) -> tuple:
    """Statements that every group agrees with (or disagrees with): in each group the smoothed share is at
    least ``majority`` and passes Polis's one-proportion test at 90%; ranked by the product of the groups'
    shares (Polis's group-aware consensus), at most MAX_CONSENSUS each way."""
    agree, disagree, seen = counts[0][:, columns], counts[1][:, columns], counts[2][:, columns]
    found = []
    sides: tuple[tuple[Direction, np.ndarray], ...] = (("agree", agree), ("disagree", disagree))
    for direction, successes in sides:
        p = (successes + 1) / (seen + 2)
        passes = ((p >= majority) & (_prop_test(successes, seen) > Z_90)).all(axis=0)
        score = p.prod(axis=0)
        ranked = sorted(np.flatnonzero(passes), key=lambda i: (-score[i], i))[:MAX_CONSENSUS]
        found += [
            ConsensusStatement(statements[columns[i]], direction, float(score[i]), tuple(float(x) for x in p[:, i]))
            for i in ranked
        ]
    return tuple(found)
