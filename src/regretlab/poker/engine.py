"""A compiled, batched Texas hold'em engine: the rules of :mod:`regretlab.poker.env` (pokerkit's)
on flat arrays ``[tables, seats]``, in Numba, with no Python object per table in the hot loop.

The same game as :class:`~regretlab.poker.env.TableConfig` (2..9 seats, no-limit or fixed-limit,
blinds, antes, per-seat stacks) and the same rules as pokerkit's ``State`` with the environment's
automations, reproduced operation by operation:

* positions: 0 posts the small blind, 1 the big blind, the last is the button (heads-up: the
  button, 1, posts the small blind and acts first pre-flop); antes are posted and collected first;
* betting: check/call always, fold only facing a bet; a bet or raise goes *to* at least the
  largest bet plus the largest raise increment of the street (at least the big blind, the big
  bet on the turn and river in fixed-limit), capped by the stack (a short all-in); fixed-limit
  allows four bets/raises per street; a short all-in that is not a full raise does not reopen
  the betting to players who already acted (pokerkit's "consecutive short all-ins" rule); a
  player may not raise when nobody left could call more;
* bet collection returns the part of the largest bet that nobody matched; side pots are levels of
  the players' contributions, each contested by the players still in who reached it (levels with
  the same contenders merge);
* showdown in pokerkit's order (from the last aggressor of the last street), a hand is shown if
  an all-in happened or it can still win a pot, mucked otherwise; hands that can win nothing are
  killed; each pot is split among its best hands (the project's 7-card evaluator,
  :func:`regretlab.games.subgame.cards.evaluate`) with the odd chips to the first winner by
  position; when all fold but one, that player takes every pot and the uncalled bet back.

Cards are dealt from the project's counter-based streams (:mod:`regretlab.core.rng`): the deck of
hand ``h`` under ``seed`` is a Fisher-Yates shuffle driven by
``rng.uniform(derive(spawn_keys(seed, 1), "env"), h, 51)``, so the same seed deals the same hands
on any number of tables. Deck order: the hole cards of position 0, 1, ..., then burn, flop,
burn, turn, burn, river (the environment's order). Card ids are those of
:mod:`regretlab.games.subgame.cards` (``4 * rank + suit``).

Two ways to play:

* :class:`HoldemEngine`: ``reset(hands)``, ``legal()``, ``step(kinds, amounts)`` over all tables
  (kinds :data:`FOLD`, :data:`CALL` = check or call, :data:`RAISE` = bet or raise *to* amount);
  ``records()`` writes the environment's one-JSON-line-per-hand record of every table;
  :func:`play_agents` seats the environment's agents (any object with ``act(observations)``).
* :func:`play_hands`: the built-in bots (calling station, random, the threshold TAG/LAG bots of
  :mod:`regretlab.poker.bots`) decided inside the compiled loop; returns the winnings per hand.

Checked against pokerkit hand by hand (legal actions and bet bounds at every decision, pots and
side pots, winners, payouts, chip conservation) in ``tests/poker/test_engine.py``.

Example:
    >>> from regretlab.poker.env import TableConfig
    >>> won = play_hands(TableConfig(players=6, stacks=(50, 80, 120, 200, 200, 30)),
    ...                  ["random"] * 6, hands=200, seed=3)
    >>> won.shape, int(abs(won.sum(axis=1)).max())
    ((200, 6), 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from regretlab.core import rng as _rng
from regretlab.core.kernels import _mix64
from regretlab.games.subgame.cards import card_name, evaluate

__all__ = ["CALL", "FOLD", "RAISE", "HoldemEngine", "Legal", "deck", "hand_strength", "play_agents", "play_hands", "play_records", "policy_of"]

FOLD, CALL, RAISE = 0, 1, 2
KINDS = ("fold", "check", "call", "bet", "raise")  # log codes 0..4

# per-table integer fields of ``tb [T, NTB]``
N, LIM, SB, BB, ANTE, STREET, QLEN, CBRA, CBRC, SHN, SHSUM, ACTED, OPENER, ALLIN, DONE, DPOS, NB, \
    NACT, HAND, NDEC, NPOT, BURNED = range(22)
BOARD0 = 22  # 5 board cards
Q0 = 27  # the queue of players to act, 9 slots
NTB = 36
# per-seat fields of ``sx [T, S, NSX]``
STACK, BET, PUT, STAT, START, SHOWN, H0, H1, STR, GOT = range(10)
NSX = 10

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_inner = njit(cache=True, nogil=True, no_cpython_wrapper=True)  # called from compiled code only
_SCALE = 1.0 / 9007199254740992.0


@_inner
def _u(key, counter, j):
    """``regretlab.core.rng.uniform(key, counter, j + 1)[..., j]`` (the same bits)."""
    base = _mix64(key + np.uint64(counter) * _GOLD)
    x = _mix64(base + np.uint64(j + 1) * _GOLD)
    return float(x >> np.uint64(11)) * _SCALE + 0.5 * _SCALE


@_inner
def _shuffle(key, hand, out):
    for i in range(52):
        out[i] = i
    for i in range(51, 0, -1):
        j = int(_u(key, hand, 51 - i) * (i + 1))
        c = out[i]
        out[i] = out[j]
        out[j] = c


@_inner
def _maxbet(sx, n):
    m = 0
    for i in range(n):
        m = max(m, sx[i, BET])
    return m


@_inner
def _nactive(sx, n):
    k = 0
    for i in range(n):
        k += sx[i, STAT]
    return k


@_inner
def _blind(tb, i, n):
    if n == 2:
        return tb[BB] if i == 0 else tb[SB]
    if i == 0:
        return tb[SB]
    if i == 1:
        return tb[BB]
    return 0


@_inner
def _effective(sx, n, i):
    """pokerkit's ``get_effective_stack``: what player ``i`` can still lose on this street."""
    if sx[i, STAT] == 0:
        return 0
    a = -1
    b = -1  # the two largest bet + stack among players in the hand
    for j in range(n):
        if sx[j, STAT]:
            v = sx[j, BET] + sx[j, STACK]
            if v > a:
                b = a
                a = v
            elif v > b:
                b = v
    return min(sx[i, STACK], max(0, b - sx[i, BET]))


@_inner
def _pots(tb, sx, out):
    """pokerkit's ``pots``: ``out[k] = (amount, contender mask, 0)``; returns the number of pots."""
    n = tb[N]
    c = np.empty(n, dtype=np.int64)
    for i in range(n):
        c[i] = sx[i, PUT] - sx[i, BET]
    lv = c.copy()
    for a in range(1, n):  # insertion sort (n <= 9; np.sort's code is large to compile)
        v = lv[a]
        b = a - 1
        while b >= 0 and lv[b] > v:
            lv[b + 1] = lv[b]
            b -= 1
        lv[b + 1] = v
    prev = 0
    k = 0
    for m in range(n):
        L = lv[m]
        if m > 0 and L == lv[m - 1]:
            continue
        amount = 0
        for i in range(n):
            if c[i] >= L:
                amount += L - prev
        mask = 0
        for i in range(n):
            if sx[i, PUT] >= L and sx[i, STAT]:
                mask |= 1 << i
        while k > 0 and out[k - 1, 1] == mask:
            amount += out[k - 1, 0]
            k -= 1
        if amount:
            out[k, 0] = amount
            out[k, 1] = mask
            out[k, 2] = 0
            k += 1
        prev = L
    return k


@_inner
def _can_win(tb, sx, i, tmp):
    """pokerkit's ``can_win_now``: no shown hand beats ``i`` in some pot it contests."""
    k = _pots(tb, sx, tmp)
    n = tb[N]
    for p in range(k):
        mask = tmp[p, 1]
        if not (mask >> i) & 1:
            continue
        best = -1
        for j in range(n):
            if (mask >> j) & 1 and sx[j, SHOWN] and sx[j, STR] > best:
                best = sx[j, STR]
        if best <= sx[i, STR]:
            return True
    return False


@_inner
def _log(tb, log, seat, kind, amount):
    k = tb[NACT]
    if k < log.shape[0]:
        log[k, 0] = seat
        log[k, 1] = tb[STREET]
        log[k, 2] = kind
        log[k, 3] = amount
    tb[NACT] = k + 1


@_inner
def _collect(tb, sx):
    """pokerkit's ``collect_bets``: the unmatched part of the largest bet goes back; the last
    player in keeps the bet in front of them."""
    n = tb[N]
    anyb = False
    for i in range(n):
        if sx[i, BET]:
            anyb = True
    if not anyb:
        return
    w = -1
    if _nactive(sx, n) == 1:
        for i in range(n):
            if sx[i, STAT]:
                w = i
    a = -1
    b = -1  # sorted(bets)[-2]
    for i in range(n):
        v = sx[i, BET]
        if v > a:
            b = a
            a = v
        elif v > b:
            b = v
    for i in range(n):
        if i == w:
            continue
        if sx[i, BET] > b:
            over = sx[i, BET] - b
            sx[i, STACK] += over
            sx[i, PUT] -= over
            sx[i, BET] = b
        sx[i, BET] = 0


@_inner
def _deal_street(tb, sx, deck):
    """Next street: burn one card, deal three (flop) or one."""
    tb[STREET] += 1
    p = tb[DPOS] + 1
    m = 3 if tb[STREET] == 1 else 1
    for k in range(m):
        tb[BOARD0 + tb[NB]] = deck[p]
        tb[NB] += 1
        p += 1
    tb[DPOS] = p


@_inner
def _strengths(tb, sx):
    n = tb[N]
    cards = np.empty(7, dtype=np.int64)
    for k in range(5):
        cards[2 + k] = tb[BOARD0 + k]
    for i in range(n):
        cards[0] = sx[i, H0]
        cards[1] = sx[i, H1]
        sx[i, STR] = evaluate(cards)


_BEGIN, _END, _SHOW = 1, 2, 3


@_inner
def _advance(tb, sx, deck, pots, phase):
    """Run the automated steps from ``phase`` until a player must act or the hand is over."""
    n = tb[N]
    while True:
        if phase == _BEGIN:  # pokerkit's _begin_betting
            mk = -1
            mi = -1
            for i in range(n):
                kb = sx[i, BET] if _blind(tb, i, n) > 0 else 0
                if kb >= mk:
                    mk = kb
                    mi = i
            op = (mi + 1) % n
            tb[OPENER] = op
            q = 0
            for k in range(n):
                i = (op + k) % n
                if sx[i, STAT] and sx[i, STACK] > 0 and _effective(sx, n, i) > 0:
                    tb[Q0 + q] = i
                    q += 1
            tb[QLEN] = q
            tb[CBRA] = 0
            tb[CBRC] = 0
            tb[ACTED] = 0
            tb[SHN] = 0
            tb[SHSUM] = 0
            lone = q == 1 and sx[tb[Q0], BET] >= _maxbet(sx, n)
            if q == 0 or _nactive(sx, n) <= 1 or lone:
                phase = _END
                continue
            return
        elif phase == _END:  # _end_betting, bet collection and what follows it
            tb[QLEN] = 0
            na = _nactive(sx, n)
            if na > 1:
                c = 0
                for i in range(n):
                    if sx[i, STAT] and sx[i, STACK]:
                        c += 1
                if c <= 1:
                    tb[ALLIN] = 1
            if tb[STREET] == 3:
                for i in range(n):
                    if sx[i, STACK] == 0:
                        tb[ALLIN] = 1
            _collect(tb, sx)
            if na == 1:  # everyone else folded: the pots go to the last player in
                k = _pots(tb, sx, pots)
                tb[NPOT] = k
                w = 0
                for i in range(n):
                    if sx[i, STAT]:
                        w = i
                tot = 0
                for p in range(k):
                    pots[p, 2] = 1 << w
                    tot += pots[p, 0]
                sx[w, GOT] = tot
                sx[w, STACK] += tot + sx[w, BET]
                sx[w, PUT] -= sx[w, BET]
                sx[w, BET] = 0
                tb[DONE] = 1
                return
            if tb[STREET] == 3 or tb[ALLIN]:
                phase = _SHOW
            else:
                _deal_street(tb, sx, deck)
                phase = _BEGIN
        else:  # _SHOW: pokerkit's showdown order, show if all-in or the hand can still win
            if tb[NB] == 5:
                _strengths(tb, sx)
            op = tb[OPENER]
            for k in range(n):
                i = (op + k) % n
                if not sx[i, STAT] or sx[i, SHOWN]:
                    continue
                if tb[ALLIN] or _can_win(tb, sx, i, pots):
                    sx[i, SHOWN] = 1
                else:
                    sx[i, STAT] = 0
            if tb[ALLIN] and tb[STREET] != 3:
                _deal_street(tb, sx, deck)
                phase = _BEGIN
                continue
            # hand killing, then the pots, each split among its best hands
            kill = 0
            for i in range(n):
                if sx[i, STAT] and not _can_win(tb, sx, i, pots):
                    kill |= 1 << i
            for i in range(n):
                if (kill >> i) & 1:
                    sx[i, STAT] = 0
            k = _pots(tb, sx, pots)
            tb[NPOT] = k
            for p in range(k):
                mask = pots[p, 1]
                best = -1
                for i in range(n):
                    if (mask >> i) & 1 and sx[i, STR] > best:
                        best = sx[i, STR]
                win = 0
                nw = 0
                for i in range(n):
                    if (mask >> i) & 1 and sx[i, STR] == best:
                        win |= 1 << i
                        nw += 1
                pots[p, 2] = win
                if nw == 0:
                    tb[BURNED] += pots[p, 0]
                    continue
                qt = pots[p, 0] // nw
                r = pots[p, 0] - qt * nw
                first = True
                for i in range(n):
                    if (win >> i) & 1:
                        g = qt + (r if first else 0)
                        first = False
                        sx[i, GOT] += g
                        sx[i, STACK] += g
            tb[DONE] = 1
            return


@_inner
def _start(tb, sx, deck, pots, key, hand):
    """Shuffle hand ``hand``'s deck, post antes and blinds, deal the hole cards, open the betting."""
    n = tb[N]
    _shuffle(key, hand, deck)
    for f in (STREET, QLEN, CBRA, CBRC, SHN, SHSUM, ACTED, OPENER, ALLIN, DONE, NB, NACT, NDEC, NPOT, BURNED):
        tb[f] = 0
    tb[HAND] = hand
    for i in range(n):
        s = sx[i, START]
        sx[i, STACK] = s
        sx[i, BET] = 0
        sx[i, PUT] = 0
        sx[i, STAT] = 1 if s > 0 else 0
        sx[i, SHOWN] = 0
        sx[i, STR] = -1
        sx[i, GOT] = 0
        a = min(tb[ANTE], s)
        sx[i, STACK] -= a
        sx[i, BET] = a
        sx[i, PUT] = a
    _collect(tb, sx)
    for i in range(n):
        s = sx[i, START]
        b = min(_blind(tb, i, n), s - min(tb[ANTE], s))
        sx[i, STACK] -= b
        sx[i, BET] += b
        sx[i, PUT] += b
    for i in range(n):
        sx[i, H0] = deck[2 * i]
        sx[i, H1] = deck[2 * i + 1]
    tb[DPOS] = 2 * n
    _advance(tb, sx, deck, pots, _BEGIN)


@_inner
def _reset(tb, sx, deck, pots, key, hands):
    for t in range(tb.shape[0]):
        _start(tb[t], sx[t], deck[t], pots[t], key, hands[t])


@_inner
def _legal1(tb, sx):
    """``(can_fold, call amount, can_raise, min_to, max_to)`` of the player to act at table ``t``."""
    n = tb[N]
    i = tb[Q0]
    mb = _maxbet(sx, n)
    bet = sx[i, BET]
    stack = sx[i, STACK]
    can_fold = bet < mb
    call = min(stack, mb - bet)
    ok = True
    fixed = tb[LIM] == 1
    if call < tb[CBRA] or fixed and tb[CBRC] == 4:
        ok = False
    if ok and tb[SHN] > 0 and tb[SHSUM] < tb[CBRA] and (tb[ACTED] >> i) & 1:
        ok = False
    if ok and stack <= mb - bet:
        ok = False
    if ok:
        other = False
        for j in range(n):
            if j != i and sx[j, STAT] and sx[j, STACK] + sx[j, BET] > mb:
                other = True
        ok = other
    lo = 0
    hi = 0
    if ok:
        step = tb[BB] * (2 if fixed and tb[STREET] >= 2 else 1)
        lo = min(stack + bet, max(tb[CBRA], step) + mb)
        hi = lo if fixed else stack + bet
    return can_fold, call, ok, lo, hi


@_inner
def _pop(tb):
    i = tb[Q0]
    q = tb[QLEN]
    for k in range(q - 1):
        tb[Q0 + k] = tb[Q0 + k + 1]
    tb[QLEN] = q - 1
    tb[ACTED] |= 1 << i
    return i


@_inner
def _act(tb, sx, deck, pots, log, kind, amount):
    """Apply one decision at table ``t``; returns 0, or an error code (1 no player to act,
    2 fold without a bet to face, 3 raise not allowed, 4 raise size out of range)."""
    if tb[DONE] or tb[QLEN] == 0:
        return 1
    n = tb[N]
    can_fold, call, can_raise, lo, hi = _legal1(tb, sx)
    mb = _maxbet(sx, n)
    if kind == FOLD:
        if not can_fold:
            return 2
        i = _pop(tb)
        sx[i, STAT] = 0
        _log(tb, log, i, 0, 0)
    elif kind == CALL:
        i = _pop(tb)
        sx[i, BET] += call
        sx[i, STACK] -= call
        sx[i, PUT] += call
        _log(tb, log, i, 2 if call > 0 else 1, call)
    else:
        if not can_raise:
            return 3
        if amount < lo or amount > hi:
            return 4
        i = _pop(tb)
        inc = amount - mb
        delta = amount - sx[i, BET]
        sx[i, BET] = amount
        sx[i, STACK] -= delta
        sx[i, PUT] += delta
        _log(tb, log, i, 4 if mb > 0 else 3, amount)
        q = 0
        for k in range(1, n):
            j = (i + k) % n
            if sx[j, STAT] and sx[j, STACK]:
                tb[Q0 + q] = j
                q += 1
        tb[QLEN] = q
        tb[OPENER] = i
        if inc >= tb[CBRA]:
            tb[ACTED] = 1 << i
        tb[CBRA] = max(tb[CBRA], inc)
        tb[CBRC] += 1
        if sx[i, STACK]:
            tb[SHN] = 0
            tb[SHSUM] = 0
        else:
            tb[SHN] += 1
            tb[SHSUM] += inc
        if tb[SHSUM] >= tb[CBRA]:
            tb[SHN] = 0
            tb[SHSUM] = 0
    tb[NDEC] += 1
    if tb[QLEN] == 0 or _nactive(sx, n) <= 1:
        _advance(tb, sx, deck, pots, _END)
    return 0


@_inner
def _step(tb, sx, deck, pots, log, kinds, amounts, err):
    for t in range(tb.shape[0]):
        if tb[t, DONE] or kinds[t] < 0:
            err[t] = 0
            continue
        err[t] = _act(tb[t], sx[t], deck[t], pots[t], log[t], kinds[t], amounts[t])


# -- the built-in bots, inside the compiled loop ------------------------------------------------

@_inner
def _total_pot(sx, n):
    s = 0
    for i in range(n):
        s += sx[i, PUT]
    return s


@_inner
def _half(x):
    """``round(x / 2)`` with Python's round-half-to-even, in integers."""
    k = x // 2
    if x % 2 == 0:
        return k
    return k if k % 2 == 0 else k + 1


@_inner
def _menu(tb, sx, sizes):
    """The environment's raise menu (:func:`regretlab.poker.env.legal_actions`): the min raise,
    half pot, pot and all-in, sorted and distinct; returns how many (0 if no raise)."""
    _, call, ok, lo, hi = _legal1(tb, sx)
    if not ok:
        return 0
    sizes[0] = lo
    m = 1
    if hi > lo:
        n = tb[N]
        pot = _total_pot(sx, n)
        me = sx[tb[Q0], BET]
        for f in range(2):
            to = me + call + (_half(pot + call) if f == 0 else pot + call)
            if lo < to < hi:
                sizes[m] = to
                m += 1
        sizes[m] = hi
        m += 1
    return m


@_inner
def _hs(h0, h1, board, nb, samples, key, counter, rest, cards, opp):
    """Equity against one random hand by Monte Carlo (the bots' ``hand_strength``, our evaluator)."""
    m = 0
    for c in range(52):
        used = c == h0 or c == h1
        for k in range(nb):
            if board[k] == c:
                used = True
        if not used:
            rest[m] = c
            m += 1
    need = 5 - nb
    score = 0.0
    j = 0
    for s in range(samples):
        for k in range(2 + need):  # partial Fisher-Yates: picks at rest[m-1], rest[m-2], ...
            top = m - 1 - k
            r = int(_u(key, counter, j) * (top + 1))
            j += 1
            c = rest[top]
            rest[top] = rest[r]
            rest[r] = c
        for k in range(nb):
            cards[2 + k] = board[k]
            opp[2 + k] = board[k]
        for k in range(need):
            cards[2 + nb + k] = rest[m - 3 - k]
            opp[2 + nb + k] = rest[m - 3 - k]
        cards[0] = h0
        cards[1] = h1
        opp[0] = rest[m - 1]
        opp[1] = rest[m - 2]
        a = evaluate(cards)
        b = evaluate(opp)
        score += 1.0 if a > b else (0.5 if a == b else 0.0)
    return score / max(samples, 1)


@_inner
def _decide(tb, sx, code, par, pre, key, sizes, rest, cards, opp, bd):
    """One built-in bot's ``(kind, amount)`` at table ``t``: 0 calling station, 1 random (uniform
    over the environment's menu), 2 threshold bot with ``par = (raise_at, call_at, raise_pot,
    bluff, samples)`` (:class:`regretlab.poker.bots.ThresholdBot`)."""
    n = tb[N]
    i = tb[Q0]
    can_fold, call, _, _, _ = _legal1(tb, sx)
    ctr = np.uint64(tb[HAND]) * np.uint64(1 << 20) + np.uint64(tb[NDEC] * 16 + i)
    if code == 0:
        return CALL, 0
    m = _menu(tb, sx, sizes)
    if code == 1:
        opts = (1 if can_fold else 0) + 1 + m
        k = int(_u(key, ctr, 0) * opts)
        if can_fold:
            if k == 0:
                return FOLD, 0
            k -= 1
        if k == 0:
            return CALL, 0
        return RAISE, sizes[k - 1]
    raise_at, call_at, raise_pot, bluff, samples = par[0], par[1], par[2], par[3], int(par[4])
    opponents = 0
    for j in range(n):
        if j != i and sx[j, STAT]:
            opponents += 1
    opponents = max(1, opponents)
    h0 = sx[i, H0]
    h1 = sx[i, H1]
    nb = tb[NB]
    if nb == 0:
        r0, r1 = h0 >> 2, h1 >> 2
        hi_r, lo_r = max(r0, r1), min(r0, r1)
        if r0 == r1 or (h0 & 3) == (h1 & 3):
            hs = pre[hi_r, lo_r]
        else:
            hs = pre[lo_r, hi_r]
    else:
        for k in range(nb):
            bd[k] = tb[BOARD0 + k]
        hs = _hs(h0, h1, bd, nb, samples, key, ctr, rest, cards, opp)
    e = hs ** opponents
    s = e * (opponents + 1)
    pot = _total_pot(sx, n)
    if m > 0 and (s >= raise_at or _u(key, ctr, 1000) < bluff):
        target = max(raise_pot * pot, float(sizes[0]))
        pick = sizes[0]
        for k in range(m):
            if sizes[k] <= target:
                pick = sizes[k]
        return RAISE, pick
    if call == 0:
        return CALL, 0
    price = call / (pot + call)
    if s >= call_at or (price < 0.25 and e >= price):
        return CALL, 0
    return (FOLD, 0) if can_fold else (CALL, 0)


@_inner
def _play_tables(tb, sx, deck, pots, log, key, bot_key, hands, T, codes, params, pre):
    """Play hand ``hands[t]`` at tables ``t < T`` to the end with the built-in bots (``codes [S]``,
    ``params [S, 5]``)."""
    sizes = np.empty(4, dtype=np.int64)
    rest = np.empty(52, dtype=np.int64)
    cards = np.empty(7, dtype=np.int64)
    opp = np.empty(7, dtype=np.int64)
    bd = np.empty(5, dtype=np.int64)
    for t in range(T):
        tbt, sxt = tb[t], sx[t]
        _start(tbt, sxt, deck[t], pots[t], key, hands[t])
        while not tbt[DONE]:
            i = tbt[Q0]
            kind, amount = _decide(tbt, sxt, codes[i], params[i], pre, bot_key, sizes, rest, cards, opp, bd)
            _act(tbt, sxt, deck[t], pots[t], log[t], kind, amount)


@_inner
def _play_many(tb, sx, deck, pots, log, key, bot_key, first, count, codes, params, pre, out):
    """Hands ``first .. first + count - 1`` through the ``T`` tables; ``out[h - first]`` = winnings."""
    T = tb.shape[0]
    n = tb[0, N]
    hands = np.empty(T, dtype=np.int64)
    h = 0
    while h < count:
        m = min(T, count - h)
        for t in range(m):
            hands[t] = first + h + t
        _play_tables(tb, sx, deck, pots, log, key, bot_key, hands, m, codes, params, pre)
        for t in range(m):
            for i in range(n):
                out[h + t, i] = sx[t, i, STACK] - sx[t, i, START]
        h += m


@_inner
def _legal(tb, sx, out):
    """``out[t] = (actor, can_fold, call, can_raise, min_to, max_to, menu size count, sizes x4)``."""
    sizes = np.zeros(4, dtype=np.int64)
    for t in range(tb.shape[0]):
        out[t, :] = 0
        if tb[t, DONE] or tb[t, QLEN] == 0:
            out[t, 0] = -1
            continue
        f, c, r, lo, hi = _legal1(tb[t], sx[t])
        out[t, 0] = tb[t, Q0]
        out[t, 1] = f
        out[t, 2] = c
        out[t, 3] = r
        out[t, 4] = lo
        out[t, 5] = hi
        m = _menu(tb[t], sx[t], sizes)
        out[t, 6] = m
        for k in range(m):
            out[t, 7 + k] = sizes[k]


@njit(cache=True, nogil=True)
def _kernel(op, tb, sx, deck, pots, log, key, bot_key, ia, ib, out, codes, params, pre):
    """The one compiled entry point (one compilation of the whole engine): ``op`` 0 reset (hands
    ``ia``), 1 step (kinds ``ia``, amounts ``ib``, error codes to ``out[:, 0]``), 2 legal (to
    ``out [T, 11]``), 3 play hands ``ia[0] .. ia[0] + ia[1] - 1`` with the built-in bots
    (winnings to ``out``), 4 hand strength of ``ia`` = (hole, hole, board...) with ``ib`` =
    (board cards, samples) to ``out[0, 0]`` in units of 1e-9."""
    if op == 0:
        _reset(tb, sx, deck, pots, key, ia)
    elif op == 1:
        _step(tb, sx, deck, pots, log, ia, ib, out[:, 0])
    elif op == 2:
        _legal(tb, sx, out)
    elif op == 3:
        _play_many(tb, sx, deck, pots, log, key, bot_key, ia[0], ia[1], codes, params, pre, out)
    else:
        nb = ib[0]
        bd = np.zeros(5, dtype=np.int64)
        for k in range(nb):
            bd[k] = ia[2 + k]
        hs = _hs(ia[0], ia[1], bd, nb, ib[1], key, np.uint64(0), np.empty(52, dtype=np.int64),
                 np.empty(7, dtype=np.int64), np.empty(7, dtype=np.int64))
        out[0, 0] = round(hs * 1e9)


_NO_I = np.zeros(1, dtype=np.int64)
_NO_F = np.zeros((1, 5))
_NO_PRE = np.zeros((13, 13))


# -- Python side ---------------------------------------------------------------------------------

def _keys(seed: int) -> tuple[np.uint64, np.uint64]:
    root = _rng.spawn_keys(int(seed), 1)
    return np.uint64(_rng.derive(root, "env")[0]), np.uint64(_rng.derive(root, "action")[0])


def deck(seed: int, hand: int) -> list[str]:
    """The deck of hand ``hand`` under ``seed`` as card names (dealing order), from
    :func:`regretlab.core.rng.uniform` in NumPy (the compiled shuffle must give the same).

    Example:
        >>> deck(0, 4) == deck(0, 4), len(set(deck(0, 4)))
        (True, 52)
    """
    key, _ = _keys(seed)
    u = _rng.uniform(np.array([key], dtype=np.uint64), int(hand), 51)[0]
    d = list(range(52))
    for i in range(51, 0, -1):
        j = int(u[51 - i] * (i + 1))
        d[i], d[j] = d[j], d[i]
    return [card_name(c) for c in d]


def _log_capacity(config: Any) -> int:
    """An upper bound on the decisions of one hand: every raise lifts someone's commitment by at
    least a big blind (or is one player's all-in), and between raises each player acts once."""
    n = int(config.players)
    raises = max(config.seat_stacks()) // int(config.big_blind) + 4 * 4 + n
    if config.limit == "fixed":
        raises = 4 * 4 + n
    return (raises + 4) * (n + 1)


class Legal(NamedTuple):
    """The decision each table waits for (arrays ``[T]``): ``actor`` (-1: the hand is over),
    ``can_fold``, ``call`` (chips to check/call), ``can_raise``, ``min_to`` and ``max_to`` (the
    bet/raise-to range; fixed-limit: equal)."""

    actor: np.ndarray
    can_fold: np.ndarray
    call: np.ndarray
    can_raise: np.ndarray
    min_to: np.ndarray
    max_to: np.ndarray


class HoldemEngine:
    """``tables`` hold'em tables of one game as flat arrays; every method acts on all tables.

    Args:
        config: the game (:class:`regretlab.poker.env.TableConfig`).
        tables: tables in flight.  seed: the deck seed (:func:`deck`).

    Example:
        >>> from regretlab.poker.env import TableConfig
        >>> eng = HoldemEngine(TableConfig(players=3), tables=4, seed=0)
        >>> eng.reset([0, 1, 2, 3])
        >>> while not eng.done.all():   # everybody checks or calls
        ...     eng.step(np.full(4, CALL), np.zeros(4, dtype=np.int64))
        >>> eng.winnings().sum(axis=1).tolist()
        [0, 0, 0, 0]
    """

    def __init__(self, config: Any, tables: int, seed: int = 0) -> None:
        if isinstance(tables, bool) or not isinstance(tables, (int, np.integer)) or tables < 1:
            raise ValueError(f"tables must be a positive integer, got {tables!r}")
        self.config, self.tables, self.seed = config, int(tables), int(seed)
        n = int(config.players)
        T = self.tables
        self.tb = np.zeros((T, NTB), dtype=np.int64)
        self.tb[:, N] = n
        self.tb[:, LIM] = 1 if config.limit == "fixed" else 0
        self.tb[:, SB] = int(config.small_blind)
        self.tb[:, BB] = int(config.big_blind)
        self.tb[:, ANTE] = int(config.ante)
        self.sx = np.zeros((T, n, NSX), dtype=np.int64)
        self.sx[:, :, START] = np.asarray(config.seat_stacks(), dtype=np.int64)[None, :]
        self.deck = np.zeros((T, 52), dtype=np.int64)
        self.pots = np.zeros((T, n + 1, 3), dtype=np.int64)
        self.log = np.zeros((T, _log_capacity(config), 4), dtype=np.int64)
        self.key, self.bot_key = _keys(seed)
        self.tb[:, DONE] = 1

    def reset(self, hands: Sequence[int] | np.ndarray) -> None:
        """Deal hand ``hands[t]`` at table ``t`` (blinds and antes posted, the first player to act)."""
        h = np.ascontiguousarray(hands, dtype=np.int64)
        if h.shape != (self.tables,):
            raise ValueError(f"hands must hold one hand id per table ({self.tables}), got shape {h.shape}")
        if h.size and h.min() < 0:
            raise ValueError(f"hands must be non-negative hand ids, got {int(h.min())}")
        self._run(0, h, _NO_I, np.zeros((1, 1), dtype=np.int64))

    @property
    def done(self) -> np.ndarray:
        """``[T]`` whether each table's hand is over."""
        return self.tb[:, DONE] == 1

    def legal(self) -> Legal:
        out = self._legal_table()
        return Legal(out[:, 0], out[:, 1] == 1, out[:, 2], out[:, 3] == 1, out[:, 4], out[:, 5])

    def _legal_table(self) -> np.ndarray:
        out = np.zeros((self.tables, 11), dtype=np.int64)
        self._run(2, _NO_I, _NO_I, out)
        return out

    def _run(self, op, ia, ib, out, codes=_NO_I, params=_NO_F, pre=_NO_PRE) -> None:
        _kernel(op, self.tb, self.sx, self.deck, self.pots, self.log, self.key, self.bot_key, ia, ib, out,
                codes, params, pre)

    def step(self, kinds: np.ndarray, amounts: np.ndarray | None = None) -> None:
        """One decision at every table still playing: ``kinds[t]`` in :data:`FOLD`, :data:`CALL`,
        :data:`RAISE` (``amounts[t]``: the bet/raise *to*), -1 to skip; an illegal one raises."""
        k = np.ascontiguousarray(kinds, dtype=np.int64)
        a = np.zeros(self.tables, dtype=np.int64) if amounts is None else np.ascontiguousarray(amounts, dtype=np.int64)
        if k.shape != (self.tables,) or a.shape != (self.tables,):
            raise ValueError(f"kinds and amounts must have shape ({self.tables},), got {k.shape} and {a.shape}")
        out = np.zeros((self.tables, 1), dtype=np.int64)
        self._run(1, k, a, out)
        err = out[:, 0]
        bad = np.flatnonzero(err)
        if bad.size:
            t = int(bad[0])
            why = {1: "no player is to act", 2: "fold is not legal without a bet to face",
                   3: "a bet or raise is not legal here", 4: "the bet/raise size is out of range"}[int(err[t])]
            raise ValueError(f"illegal action at table {t} (kind {int(k[t])}, amount {int(a[t])}): {why}; "
                             f"the other tables' decisions were applied")

    def winnings(self) -> np.ndarray:
        """``[T, S]`` chips won (final minus starting stack) of each table's hand."""
        return self.sx[:, :, STACK] - self.sx[:, :, START]

    def pot_list(self, t: int) -> list[tuple[int, list[int], list[int]]]:
        """The pots of table ``t``'s finished hand: ``(amount, contenders, winners)``."""
        out = []
        for p in range(int(self.tb[t, NPOT])):
            amount, mask, win = (int(x) for x in self.pots[t, p])
            n = int(self.config.players)
            out.append((amount, [i for i in range(n) if mask >> i & 1], [i for i in range(n) if win >> i & 1]))
        return out

    def record(self, t: int, names: Sequence[str] | None = None) -> dict[str, Any]:
        """Table ``t``'s finished hand as the environment's record (one JSON line per hand)."""
        cfg = self.config
        n = int(cfg.players)
        tb, sx = self.tb[t], self.sx[t]
        if not tb[DONE]:
            raise ValueError(f"table {t}: the hand is not over (a record is written when it ends)")
        if int(tb[NACT]) > self.log.shape[1]:  # pragma: no cover - the capacity is an upper bound
            raise RuntimeError(f"table {t}: {int(tb[NACT])} decisions exceed the log capacity {self.log.shape[1]}")
        actions = [{"seat": int(s), "street": ("preflop", "flop", "turn", "river")[int(st)], "action": KINDS[int(k)],
                    "amount": int(a)} for s, st, k, a in self.log[t, :int(tb[NACT])]]
        start = [int(x) for x in sx[:, START]]
        final = [int(x) for x in sx[:, STACK]]
        return {"hand": int(tb[HAND]), "seed": self.seed, "config": cfg.to_dict(),
                "seats": list(names) if names is not None else [f"p{i + 1}" for i in range(n)],
                "stacks": start, "hole": [[card_name(sx[i, H0]), card_name(sx[i, H1])] for i in range(n)],
                "board": [card_name(c) for c in tb[BOARD0:BOARD0 + int(tb[NB])]], "actions": actions,
                "showdown": [i for i in range(n) if sx[i, SHOWN]],
                "winnings": [f - s for f, s in zip(final, start)], "final_stacks": final}

    def records(self, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
        return [self.record(t, names) for t in range(self.tables)]

    def observation(self, t: int, names: Sequence[str] | None = None, legal: np.ndarray | None = None) -> Any:
        """The environment's :class:`~regretlab.poker.env.Observation` of table ``t``'s actor
        (``legal``: this round's ``_legal_table()``, to compute it once for all tables)."""
        from regretlab.poker.env import Action, Observation

        cfg = self.config
        n = int(cfg.players)
        tb, sx = self.tb[t], self.sx[t]
        row = (self._legal_table() if legal is None else legal)[t]
        i, f, call, r, lo, hi, m = (int(x) for x in row[:7])
        if i < 0:
            raise ValueError(f"table {t}: the hand is over, nobody is to act")
        menu: list[Action] = []
        if f:
            menu.append(Action("fold"))
        menu.append(Action("call", call) if call > 0 else Action("check"))
        kind = "raise" if int(sx[:, BET].max()) > 0 else "bet"
        menu += [Action(kind, int(s)) for s in row[7:7 + m]]
        acts = self.record_actions(t)
        return Observation(
            table=t, hand=int(tb[HAND]), seat=i, decision=int(tb[NDEC]), config=cfg,
            names=list(names) if names is not None else [f"p{k + 1}" for k in range(n)],
            stacks=[int(x) for x in sx[:, STACK]], bets=[int(x) for x in sx[:, BET]],
            starting_stacks=[int(x) for x in sx[:, START]], pot=int(sx[:, PUT].sum()),
            hole=[card_name(sx[i, H0]), card_name(sx[i, H1])],
            board=[card_name(c) for c in tb[BOARD0:BOARD0 + int(tb[NB])]],
            street=("preflop", "flop", "turn", "river")[int(tb[STREET])],
            history=[(a["seat"], a["street"], a["action"] if a["action"] in ("fold", "check")
                      else f"{a['action']} {a['amount']}") for a in acts],
            legal=menu, to_call=call, min_raise_to=lo if r else 0, max_raise_to=hi if r else 0,
            folded=[not bool(x) for x in sx[:, STAT]], seed=self.seed)

    def record_actions(self, t: int) -> list[dict[str, Any]]:
        return [{"seat": int(s), "street": ("preflop", "flop", "turn", "river")[int(st)], "action": KINDS[int(k)],
                 "amount": int(a)} for s, st, k, a in self.log[t, :int(self.tb[t, NACT])]]


def _preflop_matrix() -> np.ndarray:
    from regretlab.poker.equity import _table

    ranks = "23456789TJQKA"
    m = np.zeros((13, 13))
    t = _table()
    for hi in range(13):
        for lo in range(hi + 1):
            a, b = ranks[hi], ranks[lo]
            if hi == lo:
                m[hi, lo] = t[a + b]
            else:
                m[hi, lo] = t[a + b + "s"]
                m[lo, hi] = t[a + b + "o"]
    return m


def policy_of(bot: Any) -> tuple[int, tuple[float, float, float, float, float]]:
    """``(code, params)`` of a built-in bot for the compiled loop: a name (``calling_station``,
    ``random``, ``tag``, ``lag``) or an object of :mod:`regretlab.poker.bots`."""
    from regretlab.poker.bots import CallingStation, RandomBot, ThresholdBot, make_bot

    if isinstance(bot, str):
        bot = make_bot(bot)
    if isinstance(bot, CallingStation):
        return 0, (0.0, 0.0, 0.0, 0.0, 0.0)
    if isinstance(bot, RandomBot):
        return 1, (0.0, 0.0, 0.0, 0.0, 0.0)
    if isinstance(bot, ThresholdBot):
        return 2, (float(bot.raise_at), float(bot.call_at), float(bot.raise_pot), float(bot.bluff), float(bot.samples))
    raise TypeError(f"bot must be a built-in bot (calling_station, random, tag, lag or a ThresholdBot), "
                    f"got {type(bot).__name__}; seat other agents with play_agents")


def play_hands(config: Any, bots: Sequence[Any], hands: int, seed: int = 0, tables: int = 64,
               first: int = 0) -> np.ndarray:
    """Hands ``first .. first + hands - 1`` between built-in bots, decided inside the compiled loop.

    Args:
        config: the game.  bots: one built-in bot per position (names or objects, :func:`policy_of`).
        hands: number of hands.  seed: deck and bot seed.  tables: tables in flight (does not
        change the results).  first: the first hand id.
    Returns:
        ``[hands, players]`` int64 chips won per hand and position (each row sums to 0).
    """
    n = int(config.players)
    if len(bots) != n:
        raise ValueError(f"bots must hold one bot per seat ({n}), got {len(bots)}")
    if isinstance(hands, bool) or not isinstance(hands, (int, np.integer)) or hands < 0:
        raise ValueError(f"hands must be a non-negative integer, got {hands!r}")
    pol = [policy_of(b) for b in bots]
    codes = np.array([c for c, _ in pol], dtype=np.int64)
    params = np.array([p for _, p in pol], dtype=np.float64)
    eng = HoldemEngine(config, max(1, min(int(tables), int(hands) or 1)), seed)
    out = np.zeros((int(hands), n), dtype=np.int64)
    eng._run(3, np.array([int(first), int(hands)], dtype=np.int64), _NO_I, out, codes, params, _preflop_matrix())
    return out


def play_records(config: Any, bots: Sequence[Any], hands: int, seed: int = 0, tables: int = 64) -> list[dict[str, Any]]:
    """:func:`play_hands` returning the environment's records (one JSON-ready dict per hand, in hand
    order; :func:`regretlab.poker.env.write_jsonl` writes them) instead of the winnings.

    Example:
        >>> from regretlab.poker.env import TableConfig
        >>> recs = play_records(TableConfig(players=3), ["tag", "random", "calling_station"], 4, seed=2)
        >>> [r["seats"] for r in recs][0], [sum(r["winnings"]) for r in recs]
        (['tag', 'random', 'calling_station'], [0, 0, 0, 0])
    """
    from regretlab.poker.bots import make_bot

    n = int(config.players)
    if len(bots) != n:
        raise ValueError(f"bots must hold one bot per seat ({n}), got {len(bots)}")
    objs = [make_bot(b) if isinstance(b, str) else b for b in bots]
    pol = [policy_of(b) for b in objs]
    names = [str(getattr(b, "name", type(b).__name__)) for b in objs]
    codes = np.array([c for c, _ in pol], dtype=np.int64)
    params = np.array([p for _, p in pol], dtype=np.float64)
    pre = _preflop_matrix()
    out: list[dict[str, Any]] = []
    for h0 in range(0, int(hands), int(tables)):
        m = min(int(tables), int(hands) - h0)
        eng = HoldemEngine(config, m, seed)
        won = np.zeros((m, n), dtype=np.int64)
        eng._run(3, np.array([h0, m], dtype=np.int64), _NO_I, won, codes, params, pre)
        out += eng.records(names)
    return out


def hand_strength(hole: Sequence[str], board: Sequence[str], samples: int, seed: int = 0) -> float:
    """The compiled bots' Monte-Carlo hand strength (equity against one random hand) of ``hole``
    on ``board`` (3 to 5 cards), with ``samples`` draws of the counter-based stream of ``seed``.

    Example:
        >>> hand_strength(["As", "Ah"], ["Ad", "Ac", "Kd", "2c", "3h"], 50)
        1.0
    """
    from regretlab.games.subgame.cards import parse_cards

    ids = parse_cards("".join(list(hole) + list(board)), "cards")
    if len(hole) != 2 or not 3 <= len(board) <= 5:
        raise ValueError(f"hand_strength needs two hole cards and 3 to 5 board cards, got {len(hole)} and {len(board)}")
    eng = HoldemEngine(_TwoSeats(), 1, seed)
    out = np.zeros((1, 1), dtype=np.int64)
    eng._run(4, np.array(ids, dtype=np.int64), np.array([len(board), int(samples)], dtype=np.int64), out)
    return float(out[0, 0]) / 1e9


class _TwoSeats:
    players, limit, small_blind, big_blind, ante = 2, "no", 1, 2, 0

    def seat_stacks(self) -> list[int]:
        return [10, 10]


def play_agents(config: Any, agents: Sequence[Any], hands: int, seed: int = 0, tables: int = 16) -> list[dict[str, Any]]:
    """The environment's agents (``act(observations) -> [Action | text]``) on the engine: each
    agent decides, once per round, every table waiting on it; one record per hand, in hand order.

    Example:
        >>> from regretlab.poker.env import TableConfig
        >>> from regretlab.poker.bots import RandomBot, CallingStation
        >>> recs = play_agents(TableConfig(players=3), [RandomBot(), CallingStation(), RandomBot()], 5, seed=1)
        >>> len(recs), [sum(r["winnings"]) for r in recs]
        (5, [0, 0, 0, 0, 0])
    """
    from regretlab.poker.env import parse_action

    n = int(config.players)
    if len(agents) != n:
        raise ValueError(f"agents must hold one agent per seat ({n}), got {len(agents)}")
    names = [str(getattr(a, "name", type(a).__name__)) for a in agents]
    out: list[dict[str, Any]] = []
    for h0 in range(0, int(hands), int(tables)):
        ids = list(range(h0, min(int(hands), h0 + int(tables))))
        eng = HoldemEngine(config, len(ids), seed)
        eng.reset(ids)
        while not eng.done.all():
            table = eng._legal_table()
            kinds = np.full(len(ids), -1, dtype=np.int64)
            amounts = np.zeros(len(ids), dtype=np.int64)
            for seat in range(n):
                ts = [t for t in range(len(ids)) if table[t, 0] == seat]
                if not ts:
                    continue
                obs = [eng.observation(t, names, table) for t in ts]
                for t, o, ans in zip(ts, obs, agents[seat].act(obs)):
                    a = parse_action(ans, o)
                    kinds[t] = FOLD if a.kind == "fold" else CALL if a.kind in ("check", "call") else RAISE
                    amounts[t] = a.amount
            eng.step(kinds, amounts)
        out += eng.records(names)
    return out
