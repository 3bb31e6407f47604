"""Population updates of the preference-optimisation methods (regretlab.preference.methods).

Each update is checked against its paper's formula, written out plainly here (the test names the
equation), on random multi-context games; then the convergence claims: INPO's and Nash-MD's last
iterates reach pi*_tau, SPPO's average iterate at rate 1/sqrt(T) (Wu et al. 2024, Theorem 4.1).
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from regretlab.preference import PreferenceGame, blade_chest, duality_gap, regularized_nash
from regretlab.preference.methods import (
    METHODS, geometric_mixture, make_method, run_method, spin_data,
)

ALL = ("inpo", "nash_md", "online_ipo", "ipo", "sppo", "dno", "spin", "dpo", "xpo")


def _game(seed, tau=0.3, X=3, Y=4, scale=3.0):
    rng = np.random.default_rng(seed)
    P = blade_chest(X, Y, seed=seed, scale=scale)
    ref = rng.dirichlet(np.ones(Y), size=X)
    pi = rng.dirichlet(np.ones(Y), size=X)
    return PreferenceGame.make(P, ref, tau=tau), pi


def _norm(v):
    return v / v.sum(-1, keepdims=True)


def _wins(P, pi):  # P(y > pi | x) = sum_y' pi(y') P[x, y, y'], written as a loop
    X, Y = pi.shape
    return np.array([[sum(pi[x, b] * P[x, a, b] for b in range(Y)) for a in range(Y)] for x in range(X)])


def test_registry_has_every_method():
    assert set(ALL) <= set(METHODS)
    assert make_method("nash-md", eta=0.5).name == "nash_md"
    with pytest.raises(ValueError, match="method must be one of"):
        make_method("ppo")
    with pytest.raises(TypeError, match="unknown"):
        make_method("sppo", tau=1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inpo_is_eq_star(seed):
    # INPO (Zhang et al. 2025), eq. (★): pi' ∝ pi^(1 - eta tau) ref^(eta tau) exp(eta P(y > pi))
    game, pi = _game(seed)
    eta, tau = 2.0, game.tau
    plain = _norm(pi ** (1 - eta * tau) * game.ref ** (eta * tau) * np.exp(eta * _wins(game.P, pi)))
    np.testing.assert_allclose(make_method("inpo", eta=eta).update(game, pi), plain, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nash_md_is_munos_eq_9_10(seed):
    # Munos et al. 2024, eq. (9): pi^mu ∝ pi^(1-beta) ref^beta, beta = eta tau;
    # eq. (10): pi' = argmax eta P(pi' > pi^mu) - KL(pi', pi^mu), i.e. pi' ∝ pi^mu exp(eta P(y > pi^mu))
    game, pi = _game(seed)
    eta = 1.5
    beta = eta * game.tau
    mu = _norm(pi ** (1 - beta) * game.ref ** beta)
    plain = _norm(mu * np.exp(eta * _wins(game.P, mu)))
    np.testing.assert_allclose(make_method("nash_md", eta=eta).update(game, pi), plain, rtol=0, atol=1e-12)
    np.testing.assert_allclose(geometric_mixture(pi, game.ref, beta), mu, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed,mixture", [(0, 0.0), (1, 0.0), (2, 0.4)])
def test_online_ipo_is_a_gradient_step_of_the_ipo_loss(seed, mixture):
    # Calandriello et al. 2024, §4 eq. (online IPO loss): E_{y,y'~sg(mu)} E_{(w,l)~lambda_P}
    # [(log pi(w)/pi(l) - log ref(w)/ref(l) - 1/(2 tau))^2], one SGD step on the logits theta = log pi.
    # §5 (IPO-MD): mu the geometric mixture pi^(1-b) ref^b. The gradient here is torch autograd's.
    torch = pytest.importorskip("torch", reason="autograd reference for the gradient")
    game, pi = _game(seed)
    lr, tau = 0.3, game.tau
    mu = _norm(pi ** (1 - mixture) * game.ref ** mixture)
    out = np.empty_like(pi)
    for x in range(pi.shape[0]):
        theta = torch.tensor(np.log(pi[x]), dtype=torch.float64, requires_grad=True)
        lref = torch.tensor(np.log(game.ref[x]), dtype=torch.float64)
        loss = 0
        Y = pi.shape[1]
        for y in range(Y):
            for y2 in range(Y):
                h = (theta[y] - theta[y2]) - (lref[y] - lref[y2])
                p = game.P[x, y, y2]
                loss = loss + mu[x, y] * mu[x, y2] * (p * (h - 1 / (2 * tau)) ** 2 + (1 - p) * (-h - 1 / (2 * tau)) ** 2)
        loss.backward()
        out[x] = _norm(np.exp((theta - lr * theta.grad).detach().numpy()))
    got = make_method("online_ipo", lr=lr, mixture=mixture).update(game, pi)
    np.testing.assert_allclose(got, out, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_ipo_is_azar_proposition_4(seed):
    # Azar et al. 2024, Prop. 4: the IPO minimiser with behaviour mu is pi ∝ ref exp(tau^-1 P(y > mu)); mu = pi_t
    game, pi = _game(seed)
    plain = _norm(game.ref * np.exp(_wins(game.P, pi) / game.tau))
    np.testing.assert_allclose(make_method("ipo").update(game, pi), plain, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_sppo_is_wu_eq_4_5_and_dno_is_rosset_algorithm_1(seed):
    game, pi = _game(seed)
    # SPPO (Wu et al. 2024), eq. (4.5): pi'(y) ∝ pi(y) exp(eta P(y > pi))
    np.testing.assert_allclose(make_method("sppo", eta=0.7).update(game, pi),
                               _norm(pi * np.exp(0.7 * _wins(game.P, pi))), rtol=0, atol=1e-12)
    # DNO (Rosset et al. 2024), Algorithm 1: pi' = argmax E_pi'[r_t] - eta KL(pi' || pi_t), r_t = P(y > pi_t),
    # so pi' ∝ pi_t exp(r_t / eta); it is also the zero of DNO's regression (eq. 7): for every pair,
    # eta (log pi'/pi_t (y) - log pi'/pi_t (y')) = r_t(y) - r_t(y')
    eta = 4.0
    got = make_method("dno", eta=eta).update(game, pi)
    np.testing.assert_allclose(got, _norm(pi * np.exp(_wins(game.P, pi) / eta)), rtol=0, atol=1e-12)
    s = eta * np.log(got / pi)
    r = _wins(game.P, pi)
    np.testing.assert_allclose(s[:, :, None] - s[:, None, :], r[:, :, None] - r[:, None, :], atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_spin_is_chen_theorem_5_4(seed):
    # SPIN (Chen et al. 2024), Theorem 5.4 (logistic loss): pi'(y) ∝ pi(y) (p_data(y) / pi(y))^(1/lambda)
    game, pi = _game(seed)
    pdata = 2 * game.ref * _wins(game.P, game.ref)  # winner of a pair drawn from ref
    np.testing.assert_allclose(pdata.sum(-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(spin_data(game), pdata, atol=1e-12)
    lam = 3.0
    np.testing.assert_allclose(make_method("spin", lam=lam).update(game, pi),
                               _norm(pi * (pdata / pi) ** (1 / lam)), rtol=0, atol=1e-12)
    # its fixed point is p_data
    np.testing.assert_allclose(make_method("spin", lam=lam).update(game, pdata), pdata, atol=1e-12)


def _bt_game(seed, beta):
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 1.5, (3, 4))
    P = 1 / (1 + np.exp(-(r[:, :, None] - r[:, None, :])))
    ref = rng.dirichlet(np.ones(4), size=3)
    return PreferenceGame.make(P, ref, tau=beta), r, rng.dirichlet(np.ones(4), size=3)


@pytest.mark.parametrize("seed", [0, 1])
def test_dpo_and_xpo_without_bonus_are_rafailov_eq_4_under_bradley_terry(seed):
    # DPO (Rafailov et al. 2023), eq. (4): under P = sigmoid(r(y) - r(y')) the minimiser of the DPO loss
    # (any pair distribution of full support) is pi_r ∝ ref exp(r / beta)
    beta = 0.5
    game, r, pi = _bt_game(seed, beta)
    plain = _norm(game.ref * np.exp(r / beta))
    np.testing.assert_allclose(make_method("dpo", beta=beta).update(game, pi), plain, rtol=0, atol=1e-12)
    np.testing.assert_allclose(make_method("xpo", beta=beta, alpha=0.0).update(game, pi), plain, rtol=0, atol=1e-12)


def _plain_xpo_objective(torch, f, A, beta, alpha_total, ref, lref):
    # Xie et al. 2024, Algorithm 1 line 5: alpha sum_s log pi(y~_s) - sum_s log sigmoid(beta log pi(y+)/ref(y+)
    # - beta log pi(y-)/ref(y-)), in expectation: weight A[w, l] on "w beats l", alpha_total on E_ref log pi
    logpi = f - torch.logsumexp(f, 0)
    Y = len(ref)
    val = alpha_total * (torch.tensor(ref, dtype=torch.float64) * logpi).sum()
    for w in range(Y):
        for lo in range(Y):
            z = beta * ((logpi[w] - lref[w]) - (logpi[lo] - lref[lo]))
            val = val - A[w, lo] * torch.nn.functional.logsigmoid(z)
    return val


@pytest.mark.parametrize("method", ["dpo", "xpo"])
def test_dpo_and_xpo_minimise_their_objective_on_intransitive_games(method):
    # the returned policy is a stationary point of the loss written plainly (autograd gradient ~ 0),
    # with the pairs of each paper: iterative DPO both from pi_t; XPO one from pi_s and one from ref,
    # accumulated over s <= t
    torch = pytest.importorskip("torch", reason="autograd reference for the gradient")
    game, pi = _game(5, tau=0.5, scale=1.0)  # P away from 0 and 1: the DPO loss has a finite minimiser
    beta, alpha = 0.5, 1e-3
    m = make_method(method, beta=beta) if method == "dpo" else make_method(method, beta=beta, alpha=alpha)
    state = m.init(game, pi)
    A = np.zeros_like(game.P)
    for t in range(1, 4):
        prev = state.policy
        state = m.step(game, state)
        nu = prev if method == "dpo" else game.ref
        draw = prev[:, :, None] * nu[:, None, :]
        At = (draw + np.swapaxes(draw, 1, 2)) * game.P  # weight of the labelled pair (w wins, l loses)
        A = At if method == "dpo" else A + At
        a_tot = 0.0 if method == "dpo" else alpha * t
        for x in range(3):
            f = torch.tensor(np.log(state.policy[x]), dtype=torch.float64, requires_grad=True)
            val = _plain_xpo_objective(torch, f, A[x], beta, a_tot, game.ref[x], np.log(game.ref[x]))
            val.backward()
            assert np.abs(f.grad.numpy()).max() < 1e-10, (t, x, f.grad)


def test_xpo_bonus_explores_away_from_ref():
    # alpha E_ref log pi = -alpha (H(ref) + KL(ref || pi)): minimising it pushes pi away from ref,
    # so the bonus raises KL(ref || pi) above the plain DPO minimiser's
    from regretlab.preference import kl

    game, r, pi = _bt_game(3, 0.5)
    a0 = make_method("xpo", beta=0.5, alpha=0.0).update(game, pi)
    a1 = make_method("xpo", beta=0.5, alpha=1e-3).update(game, pi)
    assert np.all(kl(game.ref, a1) > kl(game.ref, a0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inpo_and_nash_md_last_iterates_reach_the_regularised_nash_policy(seed):
    game, _ = _game(seed, tau=0.5, Y=5)
    star = regularized_nash(game)
    inpo = run_method(make_method("inpo", eta=1.0), game, 200, every=200)
    assert inpo.last_gap[-1] < 1e-6 and duality_gap(game, inpo.last) < 1e-12
    np.testing.assert_allclose(inpo.last, star, atol=1e-9)
    # Nash-MD, Munos et al. Theorem 1: constant eta leaves an O(eta/tau) KL bias -> O(eta^2) in the gap;
    # eta = 0.02 makes it < 1e-6, and the gap of its fixed point falls like eta^2
    nmd = run_method(make_method("nash_md", eta=0.02), game, 3000, every=3000)
    assert nmd.last_gap[-1] < 1e-6
    gaps = [run_method(make_method("nash_md", eta=e), game, int(40 / (e * game.tau)), every=10 ** 6).last_gap[-1]
            for e in (0.4, 0.2, 0.1)]
    slope = np.polyfit(np.log([0.4, 0.2, 0.1]), np.log(gaps), 1)[0]
    assert 1.7 < slope < 2.3, gaps


@pytest.mark.parametrize("seed", [0, 1])
def test_sppo_average_iterate_rate(seed):
    # Wu et al. 2024, Theorem 4.1: eta = 1/sqrt(T) -> the tau = 0 duality gap of the average is O(1/sqrt(T));
    # the log-log slope over T = 100..6400 must be at most -0.5 + 0.1; the last iterate does not converge
    game = PreferenceGame.make(blade_chest(3, 5, seed=seed), tau=0.0)
    Ts = np.array([100, 400, 1600, 6400])
    gaps = [run_method(make_method("sppo", eta=1 / np.sqrt(T)), game, int(T), every=int(T)) for T in Ts]
    avg = np.array([g.average_gap[-1] for g in gaps])
    slope = np.polyfit(np.log(Ts), np.log(avg), 1)[0]
    assert slope < -0.4, (slope, avg)
    assert avg[-1] < 3 / np.sqrt(Ts[-1])
    assert gaps[-1].last_gap[-1] > 3 * avg[-1]


@pytest.mark.parametrize("name", ALL)
def test_every_method_runs_through_one_interface(name):
    game, pi = _game(7, tau=0.4, scale=1.0)
    params = {"dpo": {"beta": 0.4}, "xpo": {"beta": 0.4}}.get(name, {})
    m = make_method(name, **params)
    before = pi.copy()
    state = m.init(game, pi)
    nxt = m.step(game, state)
    np.testing.assert_array_equal(pi, before)  # pure
    np.testing.assert_array_equal(state.policy, before)
    assert nxt.t == 1 and nxt.policy.shape == pi.shape
    np.testing.assert_allclose(nxt.policy.sum(-1), 1.0, atol=1e-12)
    tr = run_method(m, game, 5, start=pi)
    assert tr.rounds.tolist() == [1, 2, 3, 4, 5] and np.all(tr.last_gap >= 0)
    assert tr.last_gap[0] == pytest.approx(duality_gap(game, pi))
    # same input, same numbers
    np.testing.assert_array_equal(run_method(m, game, 5, start=pi).last, tr.last)


def test_bad_input():
    game, pi = _game(0, tau=0.5)
    with pytest.raises(ValueError, match="mixture must be in \\[0, 1\\]"):
        run_method(make_method("online_ipo", mixture=1.5), game, 3)
    with pytest.raises(ValueError, match="mixture weight beta must be in \\[0, 1\\]"):
        geometric_mixture(pi, game.ref, -0.1)
    with pytest.raises(ValueError, match="eta \\* tau"):
        run_method(make_method("inpo", eta=2.0), game, 3)
    with pytest.raises(ValueError, match="mixture weight"):
        run_method(make_method("nash_md", eta=3.0), game, 3)
    with pytest.raises(ValueError, match="tau > 0"):
        run_method(make_method("ipo"), PreferenceGame.make(game.P, tau=0.0), 3)
    with pytest.raises(ValueError, match="T must be"):
        run_method(make_method("sppo"), game, 0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), tau=st.floats(0.1, 1.0), mixture=st.floats(0.05, 1.0))
def test_regularised_nash_is_a_fixed_point_of_the_nash_methods(seed, tau, mixture):
    # pi*_tau ∝ ref exp(P(y > pi*)/tau) (the first-order condition of J) is a fixed point of INPO (★),
    # iterative IPO (Azar Prop. 4 with mu = pi*) and online IPO (Calandriello et al. §4: its IPO gradient
    # vanishes there). Against a geometric mixture mu != pi the stationary point moves: Nash-MD's constant step
    # (Munos et al. Theorem 1's bias) and IPO-MD (pi ∝ ref exp(P(y > mu)/tau))
    game, _ = _game(seed, tau=tau, scale=1.0)
    star = regularized_nash(game)
    for name, params in (("inpo", {"eta": 0.5 / tau}), ("ipo", {}), ("online_ipo", {"lr": 0.1})):
        np.testing.assert_allclose(make_method(name, **params).update(game, star), star, atol=1e-10)
    for name, params in (("nash_md", {"eta": 0.5 / tau}), ("online_ipo", {"lr": 0.1, "mixture": mixture})):
        assert np.abs(make_method(name, **params).update(game, star) - star).max() > 1e-9, name
