"""Groupwise regret (Acharya et al., ICLR 2024): the paper's synthetic tables reproduced.

Reference numbers: ``tables/synth_ymean.csv`` and ``tables/synth_ydperm.csv`` of the official
repository krishnacharya/multidecomp (spec regret-papers.md §7.5–7.6).
"""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.datasets.synthetic import dominance_order, synthetic_groups
from regretlab.regression.groupwise import (
    PAPER_SEEDS,
    groupwise_losses,
    groupwise_losses_numpy,
    groupwise_reference_seed,
    groupwise_regret,
    hindsight_sse,
    regret_positions,
    shuffle_order,
)

GROUPS = ("circle", "square", "triangle", "green", "red", "always_on")
SIZES = (49857, 30044, 20099, 59985, 40015, 100000)

# tables/synth_ymean.csv (mean/std over the 10 shuffles of the end-of-sequence regret; SSE)
YMEAN = {
    "base_mean": (15.251997110388576, 15.434646792583441, 12.129030335953217, 10.017408486535388, 14.751903858956979, 0.7638470011019237),
    "base_std": (0.2172319833509535, 0.13038328421628897, 0.10411094027153861, 0.15036835542480417, 0.15578221640451362, 0.05812061389078345),
    "anh_mean": (0.7259449314606489, 0.6325698318397185, 0.7589509662176225, -14.132259299839756, -1.796636864075213, -39.93436150830535),
    "anh_std": (0.08911664474440698, 0.05795994558655845, 0.04041777664884485, 0.19289140114054448, 0.16613685563466124, 0.09922534959573019),
    "hindsight_mean": (23.57113888539598, 14.123001036686238, 9.434455236985581, 38.805431012995534, 26.369526039505292, 89.18042239689107),
    "hindsight_std": (0.0005431270933636033, 0.00045769452333791096, 0.0005909673704908013, 0.0006741227205859156, 0.0001925352997062805, 0.0009128990826863938),
}
# tables/synth_ydperm.csv; Anh = the CSV's second Anh column pair (the first is another run, spec §7.6)
YDPERM = {
    "base_mean": (28.83627778, 92.10455663, 12.02561482, 75.89247362, 112.4863179, 1.256040226),
    "base_std": (0.446174112, 0.635800047, 0.197237656, 0.886532267, 0.875813006, 0.09039679),
    "anh_mean": (-38.62794101, -0.278615719, -15.15361174, 1.308637979, 0.043535816, -185.7705775),
    "anh_std": (0.171283913, 0.272126561, 0.085938075, 0.070117809, 0.259959594, 0.247697076),
    "hindsight_mean": (77.14104293, 54.86542105, 30.67256332, 28.94996793, 78.3167171, 294.3894363),
    "hindsight_std": (0.001184785, 0.002323326, 0.001042692, 0.000537757, 0.001841657, 0.003961691),
}


@pytest.fixture(scope="module")
def ymean():
    return synthetic_groups("mean")


def test_generator_matches_paper_groups(ymean):
    # notebook iclr_res/groupwise_synthetic_allunclipped.ipynb prints these sizes and [3 1 4 2 0]
    assert ymean.group_names == GROUPS
    assert tuple(int(s) for s in ymean.group_sizes) == SIZES
    assert dominance_order().tolist() == [3, 1, 4, 2, 0]
    assert ymean.X.shape == (100_000, 25)
    assert ymean.y.min() == 0.0 and ymean.y.max() == pytest.approx(1.0, abs=1e-12)


def test_shuffle_is_pandas_sample():
    pd = pytest.importorskip("pandas", reason="pandas (the [data] extra) defines the paper's shuffle")
    frame = pd.DataFrame({"a": np.arange(1000)})
    for seed in PAPER_SEEDS[:3]:
        assert (frame.sample(frac=1, random_state=seed).index.to_numpy() == shuffle_order(seed, 1000)).all()


def _check_table(result, expected, atol, skip=()):
    tab = result.table()
    assert tuple(tab["group"]) == GROUPS
    assert tuple(tab["size"]) == SIZES
    for key, values in expected.items():
        if key in skip:
            continue
        np.testing.assert_allclose(tab[key], values, rtol=0, atol=atol, err_msg=key)


def test_ymean_table_all_ten_shuffles(ymean):
    result = groupwise_regret(ymean.X, ymean.y, ymean.groups, ymean.group_names, seeds=PAPER_SEEDS)
    _check_table(result, YMEAN, atol=1e-6)  # measured agreement ~1e-9; the target is 1e-3
    # Anh beats the baseline on every group (paper's claim)
    tab = result.table()
    assert (tab["anh_mean"] < tab["base_mean"]).all()


def test_ydperm_table_all_ten_shuffles():
    data = synthetic_groups("dperm")
    result = groupwise_regret(data.X, data.y, data.groups, data.group_names, seeds=PAPER_SEEDS)
    # AdaNormalHedge's exponential weights amplify last-bit rounding on this label (the authors'
    # dense NumPy update re-run here moves circle's mean by 4.6e-4): with the paper's direct
    # weights ½(e^a − e^b) every cell lands within 1e-3 (largest: triangle's std, 9.5e-4)
    _check_table(result, YDPERM, atol=1e-3)


def test_compiled_pass_matches_reference_and_composed_learners(ymean):
    # first 3,000 rows as the dataset: three implementations of the same algorithm
    X, y, A = ymean.X[:3000], ymean.y[:3000], ymean.groups[:3000]
    seeds = (473, 205)
    orders = np.stack([shuffle_order(s, 3000) for s in seeds])
    anh, base, expert = groupwise_losses(X, y, A, orders)
    anh_np, base_np = groupwise_losses_numpy(X, y, A, orders)
    np.testing.assert_allclose(anh, anh_np, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(base, base_np, rtol=1e-8, atol=1e-12)
    for b, s in enumerate(seeds):
        ref_anh, ref_base = groupwise_reference_seed(X, y, A, s)
        np.testing.assert_allclose(anh[b], ref_anh, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(base[b], ref_base, rtol=1e-8, atol=1e-12)
    # without an always-on column the baseline runs as its own ridge
    anh5, base5, _ = groupwise_losses(X, y, A[:, :5], orders)
    ref_anh5, ref_base5 = groupwise_reference_seed(X, y, A[:, :5], seeds[0])
    np.testing.assert_allclose(base5[0], ref_base5, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(anh5[0], ref_anh5, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(base5, base, rtol=1e-9, atol=1e-12)
    # asleep experts incur nothing; expected loss is a convex combination of awake losses
    member = A[orders[0]]
    assert (expert[0][~member] == 0).all()
    assert (anh[0] <= expert[0].max(axis=1) + 1e-12).all()


def test_batched_row_equals_solo_run(ymean):
    X, y, A = ymean.X[:2000], ymean.y[:2000], ymean.groups[:2000]
    orders = np.stack([shuffle_order(s, 2000) for s in (1, 2, 3)])
    both = groupwise_losses(X, y, A, orders)[0]
    solo = groupwise_losses(X, y, A, orders[1:2])[0]
    assert np.array_equal(both[1], solo[0])


def test_hindsight_gram_matches_lstsq(ymean):
    # rank-deficient design (the group indicator columns are collinear inside a group)
    rows = np.flatnonzero(ymean.groups[:, 0])[:5000]
    pos = regret_positions(rows.size, 7)
    fast = hindsight_sse(ymean.X[rows], ymean.y[rows], pos)
    exact = hindsight_sse(ymean.X[rows], ymean.y[rows], pos, exact=True)
    np.testing.assert_allclose(fast, exact, rtol=1e-8, atol=1e-8)


def test_rate_check_sqrt_tg(ymean):
    # spec §7.6 (4): max(Reg_g, 0) ≤ c √T_g, c fitted on the first half of the checkpoints
    result = groupwise_regret(ymean.X, ymean.y, ymean.groups, ymean.group_names, seeds=(473,))
    for g in range(len(GROUPS)):
        pos = result.positions[g].astype(float) + 1
        reg = np.maximum(result.regret_anh[g][0], 0.0)
        half = pos.size // 2
        c = max(float(np.max(reg[:half] / np.sqrt(pos[:half]))), 1e-3)
        assert (reg[half:] <= c * np.sqrt(pos[half:]) + 1e-9).all(), GROUPS[g]


def test_bad_inputs(ymean):
    X, y, A = ymean.X[:100], ymean.y[:100], ymean.groups[:100]
    with pytest.raises(ValueError, match="groups must be a \\[T, G\\] membership matrix with T = 100"):
        groupwise_regret(X, y, A[:99])
    never = A.copy()
    never[:, 2] = False
    with pytest.raises(ValueError, match="column\\(s\\) \\[2\\] are never active"):
        groupwise_regret(X, y, never)
    bad = y.copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match="y must be finite, got nan at row 7"):
        groupwise_regret(X, bad, A)
    with pytest.raises(ValueError, match="group_names must have 6 entries"):
        groupwise_regret(X, y, A, group_names=("a",))


# tables/synth_ymin.csv and tables/synth_ymax.csv (columns: baseline mean/std, Anh mean/std, SSE)
YMIN = {
    "base_mean": (21.621766976017067, 64.21069316490318, 12.467177805941011, 14.5493666437977, 21.63801862680186, 1.038659286998731),
    "base_std": (0.27540091953224577, 0.3104339549714555, 0.13471080507685934, 0.1905713649351274, 0.20318535688303618, 0.05603388187731171),
    "anh_mean": (0.8068676199829525, 0.9424494301509357, 0.5673715024763745, -43.103919050806994, -16.691645072844874, -94.94429010725422),
    "anh_std": (0.09661986665959287, 0.04713760208448968, 0.06520061257729697, 0.22530354171360645, 0.22953216085832046, 0.08447961898359299),
    "hindsight_mean": (63.48829050321025, 15.167968000154223, 26.374095882248827, 97.41975424285887, 69.7228528190165, 202.29133304547693),
}
YMAX = {
    "base_mean": (22.779767265162945, 17.85576835004875, 29.51097683871476, 8.646645870816025, 12.484366949126805, 0.8599773715694312),
    "base_std": (0.3242389055037232, 0.14177596310836524, 0.221832104925922, 0.20484032908600525, 0.2216367498221358, 0.0758764336695175),
    "anh_mean": (0.9149940462465047, 0.521723116135923, 0.8724912798138172, -23.24940406084144, -23.45688713094595, -66.97732664016027),
    "anh_std": (0.06920414539485792, 0.07785104374437797, 0.05059282757594842, 0.23759742314095786, 0.28954645358121694, 0.12581162009253677),
    "hindsight_mean": (32.45737875744327, 36.91610869053316, 9.418458341985138, 65.38455206130187, 62.42289336264348, 148.07848087231878),
}


@pytest.mark.slow
@pytest.mark.parametrize("label,expected", [("min", YMIN), ("max", YMAX)])
def test_ymin_ymax_tables(label, expected):
    # not in the spec's table but in the authors' tables/ folder; measured agreement ~2e-9
    data = synthetic_groups(label)
    result = groupwise_regret(data.X, data.y, data.groups, data.group_names, seeds=PAPER_SEEDS)
    _check_table(result, expected, atol=1e-6)


def test_large_losses_do_not_overflow_the_weights():
    # group-specific signs with large targets: the group experts beat the always-on expert by a
    # wide margin, AdaNormalHedge's exponents pass 600 and the kernel's overflow shift kicks in
    rng = np.random.default_rng(0)
    T = 1500
    X = rng.uniform(-1, 1, (T, 3))
    member = rng.uniform(size=T) < 0.5
    y = np.where(member, 300.0, -300.0) * X[:, 0]
    A = np.column_stack([member, ~member, np.ones(T, bool)])
    orders = np.arange(T)[None]
    anh, base, _ = groupwise_losses(X, y, A, orders)
    anh_np, _ = groupwise_losses_numpy(X, y, A, orders)
    assert np.isfinite(anh).all()
    np.testing.assert_allclose(anh, anh_np, rtol=1e-6, atol=1e-9)
    assert anh[0, T // 2 :].sum() < 0.01 * base[0, T // 2 :].sum()
