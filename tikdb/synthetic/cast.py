"""The cast: VAs, their accounts and handles, and which account made each post.

A VA runs a few accounts at a time; an account belongs to one VA for good (the real data's
invariant). The va column carries the real quirks: rows with no VA and a few VAs spelled
another way on the rows of the later sheet and the scrapes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np

from tikdb.synthetic.shape import (
    ACCOUNT_LIFETIME_DAYS,
    ACCOUNTS_PER_VA,
    EMPTY_VA_SHARE,
    MAX_VAS,
    N_DAYS,
    OLD,
    POSTS_PER_ACCOUNT_DAY,
    expected_daily_volume,
)
from tikdb.synthetic.vocabulary import HANDLE_WORDS, PERSONAS, VA_HANDLE_NAMES, VA_NAMES

HANDLE_RE = re.compile(r"[a-z0-9._]{7,20}")  # a real handle: [a-z0-9._], 7-20 characters


@dataclass
class Cast:
    """Accounts and VAs: ``handles`` and ``account_va`` by account id, the names by VA."""

    handles: list[str]
    account_va: np.ndarray  # VA index of each account
    va_names: list[str]  # canonical display name per VA
    va_alt_names: list[str]  # the other spelling some sheets use


def assign_accounts(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Account id of every post.

    Accounts live for a few months (some start before or outlive the date range); each day
    enough accounts are alive for each to post about 3 times, so the number of accounts grows
    with the volume. Ids are renumbered in order of first post so that none is unused.
    """
    needed = np.maximum(1, np.rint(expected_daily_volume(len(day)) / POSTS_PER_ACCOUNT_DAY))
    day_bounds = np.searchsorted(day, np.arange(N_DAYS + 1))
    account = np.empty(len(day), dtype=np.int64)
    alive: list[tuple[int, int]] = []  # (account id, last day)
    next_id = 0
    for d in range(N_DAYS):
        alive = [a for a in alive if a[1] >= d]
        while len(alive) < needed[d]:
            life = int(rng.integers(*ACCOUNT_LIFETIME_DAYS))
            if d == 0:  # accounts alive at the start are part-way through their lifetime
                life = int(rng.integers(1, life + 1))
            alive.append((next_id, d + life - 1))
            next_id += 1
        lo, hi = day_bounds[d], day_bounds[d + 1]
        ids = np.array([a[0] for a in alive])
        account[lo:hi] = ids[rng.integers(0, len(ids), size=hi - lo)]
    _, first = np.unique(account, return_index=True)
    renumber = np.empty(next_id, dtype=np.int64)
    renumber[account[np.sort(first)]] = np.arange(len(first))
    return renumber[account]


def make_cast(n_accounts: int, rng: np.random.Generator, text_rng: random.Random) -> Cast:
    """VAs (with realistic names and spelling quirks) and their accounts' handles."""
    n_vas = int(np.clip(round(n_accounts / ACCOUNTS_PER_VA), 1, MAX_VAS))
    va_names = _va_names(n_vas, text_rng)
    # Each VA takes one new account in turn (in random order per round), so every VA runs a
    # few accounts at any time; VA sizes then differ through their accounts' activity.
    rounds = -(-n_accounts // n_vas)
    account_va = np.concatenate([rng.permutation(n_vas) for _ in range(rounds)])[:n_accounts]
    handles = _handles(account_va, n_vas, text_rng)
    alt = [name.capitalize() if name.isupper() else name.upper() for name in va_names]
    return Cast(handles, account_va, va_names, alt)


def _va_names(n_vas: int, text_rng: random.Random) -> list[str]:
    """Distinct VA display names: mostly Capitalized, a few lower-case handles, a few UPPER."""
    names = text_rng.sample(VA_NAMES, min(n_vas, len(VA_NAMES)))
    handles = text_rng.sample(VA_HANDLE_NAMES, len(VA_HANDLE_NAMES))
    for i in range(len(names)):
        roll = text_rng.random()
        if roll < 0.08 and handles:
            names[i] = handles.pop()
        elif roll < 0.16:
            names[i] = names[i].upper()
    return names


def _handles(account_va: np.ndarray, n_vas: int, text_rng: random.Random) -> list[str]:
    """Unique TikTok handles; a VA's accounts are built around one or two persona names."""
    personas = text_rng.sample(PERSONAS, len(PERSONAS))
    va_personas = [[personas[(2 * v + k) % len(personas)] for k in range(2)] for v in range(n_vas)]
    taken: set[str] = set()
    handles = []
    for va in account_va.tolist():
        handle = _new_handle(text_rng.choice(va_personas[va]), taken, text_rng)
        taken.add(handle)
        handles.append(handle)
    return handles


def _new_handle(persona: str, taken: set[str], text_rng: random.Random) -> str:
    """A free handle in the agency style, e.g. ``lenadiary``, ``glow.mia``, ``themayanotes``."""
    patterns = (
        "{p}{w}",
        "{w}{p}",
        "{p}.{w}",
        "{p}_{w}",
        "its{p}{w}",
        "{p}x{w}",
        "{p}s{w}",
        "{w}.{p}",
        "the{p}{w}",
        "{p}{w}{d}",
        "{p}ii{w}",
        "{p}.{w}{d}",
    )
    for attempt in range(200):
        pattern = text_rng.choice(patterns)
        if attempt > 50:  # common combinations exhausted: add digits
            pattern += "{d}"
        handle = pattern.format(
            p=persona, w=text_rng.choice(HANDLE_WORDS), d=text_rng.randint(1, 999)
        )
        if HANDLE_RE.fullmatch(handle) and handle not in taken:
            return handle
    raise RuntimeError("could not find a free handle")  # pragma: no cover


def va_labels(cast: Cast) -> list[str]:
    """va column values by va_code: 2*va is the canonical spelling, 2*va+1 the variant."""
    return [name for pair in zip(cast.va_names, cast.va_alt_names, strict=True) for name in pair]


def va_codes(
    account: np.ndarray, source: np.ndarray, cast: Cast, rng: np.random.Generator
) -> np.ndarray:
    """The va column as codes into ``va_labels``: quirks included.

    ~2.7% of rows have no VA: whole accounts (plus the first rows of one more account, to hit
    the share) whose VA was never recorded. A few VAs are spelled differently (other case) on
    the rows of the later sheets and scrapes. The VA stays a function of the account.
    """
    va = cast.account_va[account]
    code = 2 * va
    target = round(EMPTY_VA_SHARE * len(account))
    visible = np.bincount(cast.account_va, minlength=len(cast.va_names))
    for acc in rng.permutation(len(cast.handles)).tolist():
        if target <= 0:
            break
        if visible[cast.account_va[acc]] <= 1:  # keep every VA visible somewhere
            continue
        visible[cast.account_va[acc]] -= 1
        rows = np.flatnonzero(account == acc)[:target]
        code[rows] = -1
        target -= len(rows)
    later = (code >= 0) & (source != OLD)
    candidates = np.unique(va[later])
    if len(candidates):
        n_variant = max(1, round(0.1 * len(cast.va_names)))
        chosen = rng.choice(candidates, size=min(n_variant, len(candidates)), replace=False)
        code[later & np.isin(va, chosen)] += 1
    return code
