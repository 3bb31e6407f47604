"""Values pinned with the code before the one-contract refactor (each regressor's own
``init(batch, dim)`` / ``update(x, y, mask)`` and ``run_regressor``'s own loop): every
regression experiment's demo rows, ``run_regressor`` of every learner and both groupwise passes
must stay equal to 1e-12 (relative)."""

from __future__ import annotations


import numpy as np
import pytest

from regretlab.experiments import get_experiment
from regretlab.testing import assert_same_fingerprint as assert_same, fingerprint




EXPERIMENTS = {'regression_groupwise_adult': {'checkpoint': (245, 0, 2250.2330775585174, 0.0, 19.0),
                                'group': '2a2619c4fab25424',
                                'group_size': (245, 0, 198292.63323498907, 9.0, 2000.0),
                                'hindsight_sse': (245, 0, 10858.039307713438, 0.0, 229.30145245707467),
                                'position': (245, 0, 104626.65133518729, 1.0, 1999.0),
                                'regret_anh': (245, 0, 3381.7860079128563, 0.02160056614613718, 33.45435305892386),
                                'regret_base': (245, 0, 3083.416301338073, 0.051824595447314305, 30.129736378663267),
                                'shuffle_seed': (245, 0, 115665.49192635165, 473.0, 473.0)},
 'regression_groupwise_synthetic_dperm': {'checkpoint': (240, 0, 2271.451805020526, 0.0, 19.0),
                                          'group': 'd8f103faa57889b2',
                                          'group_size': (240, 0, 595334.3882441313, 962.0, 5000.0),
                                          'hindsight_sse': (240, 0, 738.6472147059802, 0.020041630661349785, 15.856682562380001),
                                          'label': 'ebc349b48be8f877',
                                          'position': (240, 0, 310605.48635602696, 48.0, 4999.0),
                                          'regret_anh': (240, 0, 14.878830076049669, -6.260412547886835, 1.4943966767513),
                                          'regret_base': (240, 0, 374.9203696092336, 0.28572057466914713, 4.844430662882301),
                                          'shuffle_seed': (240, 0, 116756.04470032529, 473.0, 503.0)},
 'regression_groupwise_synthetic_mean': {'checkpoint': (240, 0, 2271.451805020526, 0.0, 19.0),
                                         'group': 'd8f103faa57889b2',
                                         'group_size': (240, 0, 595334.3882441313, 962.0, 5000.0),
                                         'hindsight_sse': (240, 0, 354.3410331703969, 0.02387858438521029, 7.6388049919753485),
                                         'label': 'ee9d049627e01be8',
                                         'position': (240, 0, 310605.48635602696, 48.0, 4999.0),
                                         'regret_anh': (240, 0, 180.55598605308603, -0.9822937048932587, 1.4252389420591243),
                                         'regret_base': (240, 0, 242.21447918054753, 0.2618778941080343, 2.1540857269004756),
                                         'shuffle_seed': (240, 0, 116756.04470032529, 473.0, 503.0)},
 'regression_hlgauss_vs_vaw': {'cumulative_sse': (33, 0, 16227.231874539259, 3.1554436208840472e-30, 6028.353282581068),
                               'learner': '424a4a1f6800868f',
                               't': (33, 0, 33053.914383531104, 1.0, 2000.0)},
 'regression_icl_regret': {'learner': 'c0c2ea066773324a',
                           'regret': (24, 0, 55631.1097477516, 70.48813743102068, 28585.078803682645),
                           't': (24, 0, 13316.099402545515, 50.0, 2000.0)},
 'regression_lsa_one_step_gd': {'c_max': (3, 0, 0.08562872020593476, 0.025692408496327854, 0.04741972890490037),
                                'case': '14630fd9c5c02de9',
                                'gamma_star_trace': (3, 0, 5.097458018321758, 2.0, 2.333333333333333),
                                'gamma_trace': (3, 0, 5.16819208774561, 2.044553275860648, 2.3566091442416077),
                                'rel_error': (3, 0, 0.12887815407560177, 0.04668282322189735, 0.06530129292682599),
                                'u_max': (3, 0, 0.02851653131688185, 0.010086827521188446, 0.013723142546472198)}}
LOOPS = {'kernel:anh': (6000, 0, 11.192318466014134, 5.826756403107675e-07, 0.492036043407701),
 'kernel:base': (6000, 0, 12.601240985691994, 3.4103151073439506e-11, 0.289762935856336),
 'kernel:expert': (36000, 0, 34.98567350913897, 0.0, 0.6241730321646649),
 'numpy:anh': (6000, 0, 11.192318466014598, 5.826756403153568e-07, 0.49203604340770113),
 'numpy:base': (6000, 0, 12.601240985692193, 3.410314927233165e-11, 0.289762935856336),
 'run_regressor:adagrad': (180, 0, -30.596339955544256, -6.747406636760571, 4.590888107327142),
 'run_regressor:hist': (180, 0, -21.089445973640533, -2.6977787346128697, 2.5174461547350724),
 'run_regressor:hist_two': (180, 0, -10.474304338859666, -1.887383918093184, 1.1659870831743082),
 'run_regressor:ogd': (180, 0, -35.583087103709005, -7.619557899168938, 5.4197840770541355),
 'run_regressor:ogd_any_r': (180, 0, -20.595009375895224, -3.418578667293735, 2.4662045912111097),
 'run_regressor:onestep': (180, 0, -34.63242404926343, -7.006371225046069, 4.714359628982123),
 'run_regressor:onestep_p': (180, 0, -96.60415432099447, -20.920951222673857, 12.694603227274307),
 'run_regressor:ridge': (180, 0, -36.09506628378011, -7.520717973952013, 5.096953650401408),
 'run_regressor:ridge_clip': (180, 0, -12.260291628231089, -1.0, 1.0),
 'run_regressor:vaw': (180, 0, -31.274898657842076, -5.866887625790524, 4.417092437737805)}


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_demo_rows_unchanged(name):
    from regretlab.datasets import DatasetUnavailable

    exp = get_experiment(name)
    reason = exp.unavailable()
    if reason:
        pytest.skip(reason)
    try:
        rows = dict(exp.run(exp.make_config(**exp.demo), 0))
    except DatasetUnavailable as exc:
        pytest.skip(str(exc))
    assert sorted(rows) == sorted(EXPERIMENTS[name])
    for key, want in EXPERIMENTS[name].items():
        assert_same(fingerprint(rows[key]), want, f"{name}.{key}")


def _learners():
    from regretlab.regression import icl, online

    return {"ridge": online.online_ridge(1.0), "ridge_clip": online.online_ridge(0.5, clip=(-1, 1)), "vaw": online.vaw(2.0),
            "ogd": online.ogd_regressor(0.05), "ogd_any_r": online.ogd_regressor(0.2, "anytime", radius=1.0),
            "adagrad": online.adagrad_regressor(0.3), "hist": online.HistogramRegressor(-4, 4, 16, lr=0.3),
            "hist_two": online.HistogramRegressor(-4, 4, 16, lr=0.1, method="ogd", target="two_hot", radius=2.0),
            "onestep": icl.OneStepGDLearner(0.25), "onestep_p": icl.OneStepGDLearner(0.25, precond=np.diag([1, 2, 3, 4.0]))}


def test_run_regressor_of_every_learner_unchanged():
    from regretlab.regression import run_regressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 60, 4))
    y = X @ np.array([0.5, -1, 2, 0.1]) + 0.3 * rng.standard_normal((3, 60))
    for name, learner in _learners().items():
        assert_same(fingerprint(run_regressor(learner, X, y)), LOOPS[f"run_regressor:{name}"], name)


def test_groupwise_kernel_and_general_path_unchanged():
    from regretlab.datasets.synthetic import synthetic_groups
    from regretlab.regression import groupwise as gw

    d = synthetic_groups("mean", samples=3000)
    orders = np.stack([gw.shuffle_order(s, 3000) for s in (473, 205)])
    for key, value in zip(("anh", "base", "expert"), gw.groupwise_losses(d.X, d.y, d.groups, orders)):
        assert_same(fingerprint(value), LOOPS[f"kernel:{key}"], f"kernel {key}")
    for key, value in zip(("anh", "base"), gw.groupwise_losses_numpy(d.X, d.y, d.groups, orders)):
        assert_same(fingerprint(value), LOOPS[f"numpy:{key}"], f"general path {key}")
