"""Every default threshold of loading-moment detection and of the verdict, with its source.

The defaults live in one frozen dataclass, :class:`Thresholds`; a TOML file given with
``--config`` overrides any subset of them (:func:`load_thresholds`). Keys are the field
names below, at the top level of the file::

    # my-thresholds.toml
    fppa_max_deg = 18.6
    valgus_change_min_deg = 4.0

Published anchors
-----------------
Munro A, Herrington L, Carolan M (2012) Reliability of 2-dimensional video assessment of
frontal-plane dynamic knee valgus during common athletic screening tasks. J Sport Rehabil
21:7-11, and the related work of the same group (the anchors as listed in issue 3):

* frontal plane projection angle (FPPA) of the single-leg squat in healthy adults
  8.4 +/- 5.1 deg, with knee pain 16.8 +/- 5.4 deg;
* 2-D FPPA standard error of measurement (SEM) 2.7-3.0 deg, smallest detectable
  difference (SDD) 7.5-8.9 deg;
* single-leg landing FPPA 1-9 deg in men, 5-12 deg in women.

Chang R, Van Emmerik R, Hamill J (2008) Quantifying rearfoot-forefoot coordination in
human walking. J Biomech 41:3101-3105; Needham R, Naemi R, Chockalingam N (2014)
Quantifying lumbar-pelvis coordination during gait using a modified vector coding
technique. J Biomech 47:1020-1026: coupling angle bins of 45 deg (see
:mod:`pronate.verdict.coordination`).

Hof AL, Gazendam MGJ, Sinke WE (2005) The condition for dynamic stability. J Biomech
38:1-8: the extrapolated centre of mass (XCoM) must stay inside the base of support,
margin of stability > 0.

Table of defaults
-----------------
============================  ========  =====================  ===========================
field                         default   unit                   source / reason
============================  ========  =====================  ===========================
stance_min_run_s              0.06      s                      stance flicker shorter than
                                                               this is absorbed (walking
                                                               double support is ~0.1 s)
none_max_s                    0.3       s                      longer runs of no foot on the
                                                               ground are implausible (run
                                                               flight ~0.1 s, a hop ~0.3 s):
                                                               refilled from foot speeds
still_foot_speed              0.3       leg lengths / s        a foot slower than this is
                                                               taken as on the ground there
stance_bridge_s               0.2       s                      a gap of ``none`` this short
                                                               inside a run is bridged
single_stance_min_s           0.5       s                      a single-leg run shorter
                                                               than this is not a moment
                                                               (gait is found by its own
                                                               rule)
depth_smooth_s                0.15      s                      moving-average window of
                                                               the pelvis-depth signal
rep_min_depth                 0.06      leg lengths            prominence of a pelvis dip
                                                               on both feet for a squat
                                                               rep (~5 cm, above sway)
single_rep_min_depth          0.02      leg lengths            prominence of a dip on one
                                                               leg (a mini squat of 25-30
                                                               deg knee flexion drops the
                                                               pelvis ~0.03)
rep_min_interval_s            0.6       s                      two reps closer than this
                                                               are one
rep_edge_fraction             0.1       of the rep depth       a rep's edges: where its
                                                               drop is within this fraction
                                                               of its base...
rep_onset_fraction            0.05      of the rep depth       ...then out to the onset,
                                                               within this fraction of the
                                                               floor (~3x the depth noise
                                                               at 4 px)
rep_bottom_fraction           0.1       of the rep depth       the peak is the centroid of
                                                               the bottom 10 % of the dip
walk_max_single_s             0.8       s                      alternating single-leg runs
                                                               shorter than this are gait
walk_max_double_s             0.4       s                      ...separated by double
                                                               support shorter than this
walk_min_single_s             0.15      s                      a single-leg run shorter
                                                               than this is no moment (a
                                                               running stance is ~0.2 s;
                                                               shorter runs were contact
                                                               noise of a client 190 px
                                                               tall, issue 20)
squat_min_both_share          0.5       of the dip             a pelvis dip is a squat or
                                                               lunge only with both feet
                                                               seen on the ground for this
                                                               share of it (``none``: feet
                                                               unseen or in the air)
edge_settle_s                 0.3       s                      no squat or lunge peaks this
                                                               soon after the first frame
                                                               the subject is seen (tracker
                                                               and filter settling)
lunge_min_stagger             0.5       leg lengths            fore-aft distance of the
                                                               ankles (world) of a lunge
                                                               (squats read 0.1-0.25)
single_squat_min_depth        0.09      leg lengths            a single-leg dip shallower
                                                               than this is a single-leg
                                                               stance, not a squat: thigh
                                                               and shank each tilting 25
                                                               deg (50 deg of knee flexion,
                                                               about the depth of a clinical
                                                               single-leg squat) drop the
                                                               pelvis 1 - cos 25 = 0.094
step_down_min_drop            0.1       leg lengths            free foot this far below
                                                               the stance foot at the
                                                               deepest point: step-down
fppa_max_depth                0.2       leg lengths            deeper dips: the knee is read
                                                               where the descent reaches
                                                               this drop (~75 deg of knee
                                                               flexion), see below
max_nan_fraction              0.5       of event frames        more missing FPPA than this:
                                                               ``unmeasurable``
verdict_min_probability       0.8       share of draws         a verdict is given when the
                                                               criteria, read again within
                                                               their +/-, give it this often;
                                                               else ``uncertain`` (issue 20)
value_window_s                0.1       s                      values "at" a frame are the
                                                               median of +/- this window
                                                               (keypoint noise is correlated
                                                               over ~0.1 s after clean-up)
com_margin_min                0.0       foot lengths           CoM inside the base of
                                                               support (definition)
xcom_margin_min               0.0       foot lengths           Hof 2005: XCoM inside
                                                               (informative criterion)
pelvis_shift_min              0.2       hip widths             pelvis over the loaded foot:
                                                               the stance foot lies ~0.5
                                                               hip widths off the midline
pelvis_centred_max            0.25      hip widths             bilateral: pelvis centred
obliquity_up_min_deg          1.0       deg                    loaded side of the pelvis
                                                               up: the hip line is short,
                                                               3 px of noise gives ~1 deg
                                                               (less after the window
                                                               median)
pelvis_level_max_deg          3.0       deg                    bilateral: pelvis level
valgus_change_min_deg         3.0       deg                    FPPA increase start -> peak:
                                                               one SEM (Munro 2012)
fppa_max_deg                  16.8      deg                    normal band upper bound,
                                                               see below
fppa_min_deg                  -10.0     deg                    normal band lower bound
                                                               (varus-looking), see below
in_phase_min_pct              50.0      % of event frames      femur and tibia in phase
                                                               (Chang 2008 bins) at least
                                                               half the time (informative)
lag_max_s                     0.2       s                      femur-tibia cross-correlation
                                                               lag; 3-4 px of keypoint noise
                                                               reads up to 0.18 s on in-phase
                                                               synthetic moments, a scripted
                                                               0.3 s lag reads 0.23-0.37 s
coupling_smooth_s             0.2       s                      smoothing of the segment
                                                               angles before differencing
foot_shift_min                0.02      foot lengths           ankle medial shift for foot
                                                               evidence (experimental)
asymmetry_fppa_deg            7.5       deg                    left-right peak FPPA gap
                                                               beyond the SDD (Munro 2012)
============================  ========  =====================  ===========================

Why ``fppa_max_deg = 16.8``: it is both the one-sided 95th percentile of the healthy
single-leg squat (8.4 + 1.645 x 5.1 = 16.8 deg) and the mean of the knee-pain group:
a knee beyond it moves more like a painful knee than like a healthy one, while only 1 in
20 healthy adults gets there. It is also above the single-leg landing ranges of both
men (1-9 deg) and women (5-12 deg). The more lenient healthy mean + 2 SD (18.6 deg) can
be set in the TOML file.

Why ``fppa_min_deg = -10``: no published study gives a lower bound of the 2-D FPPA. The
healthy single-leg squat sits at 8.4 +/- 5.1 deg (mean - 2 SD = -1.8 deg); a knee held
more than about three SEM (3 x 2.7 deg) beyond that, i.e. 10 deg varus-looking at the
peak, is not accepting the load in pronation: the band is bounded on both sides, and a
knee below it fails ``knee_fppa_in_band`` (no ``pronation``; it is not a ``collapse``,
which is valgus beyond the upper bound).

Why ``fppa_max_depth = 0.2``: 2-D FPPA is established for single-leg squats and landings
to about 45-60 deg of knee flexion. Deeper, the thigh points at a frontal camera, its
image shortens and the hip-knee line turns with any small lateral offset, so the FPPA of
a deep squat's bottom says little about the knee (the real frontal squat clip reads -30
to -60 deg there). A pelvis drop of 0.2 leg lengths is ~75 deg of knee flexion with thigh
and shank equally inclined (1 - cos 37 deg = 0.2).

Why ``valgus_change_min_deg = 3.0``: the FPPA change is measured within one take with
one camera, so the SEM (2.7-3.0 deg) is the noise to beat; the SDD (7.5-8.9 deg) is for
comparing two sessions and is used for left-right asymmetry instead.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from pronate.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """Thresholds of loading-moment detection and of the verdict (see the module table).

    Attributes
    ----------
    stance_min_run_s
        Runs of a stance label shorter than this (s) are absorbed by their neighbours.
    none_max_s
        Runs of ``none`` stance longer than this (s) are refilled from the foot speeds.
    still_foot_speed
        In such runs, a foot slower than this (leg lengths per second) is on the ground.
    stance_bridge_s
        Gaps of ``none`` (no foot seen on the ground) shorter than this (s) between two
        runs of the same stance are bridged.
    single_stance_min_s
        Shortest single-leg stance run (s) that is a loading moment on its own.
    depth_smooth_s
        Moving-average window (s) of the pelvis-depth signal.
    rep_min_depth
        Smallest prominence of a pelvis dip (leg lengths) on both feet: squat or lunge.
    single_rep_min_depth
        Smallest prominence of a pelvis dip (leg lengths) on one leg: single-leg squat or
        step-down (gait is excluded by its own rule).
    rep_min_interval_s
        Smallest time (s) between the deepest points of two reps.
    rep_edge_fraction
        A rep's edges are first placed where its drop has come within this fraction of
        its depth of the surrounding base...
    rep_onset_fraction
        ...then moved out to the onset: the nearest sample within this fraction of its
        depth of the floor beyond.
    rep_bottom_fraction
        The peak of a rep is the centroid of the samples within this fraction of its
        depth of the lowest pelvis.
    walk_max_single_s
        Alternating single-leg runs shorter than this (s) are stance phases of walking.
    walk_max_double_s
        Longest double support (s) between the alternating runs of walking.
    walk_min_single_s
        Single-leg runs shorter than this (s) are no moment, of gait or not.
    squat_min_both_share
        Smallest share of a two-leg dip (squat, lunge) with stance ``both``.
    edge_settle_s
        A two-leg dip peaking within this time (s) of the first frame with the subject
        seen is no moment.
    lunge_min_stagger
        Fore-aft distance of the ankles (leg lengths, world landmarks) that makes a
        dip on both feet a lunge instead of a squat.
    single_squat_min_depth
        A single-leg dip shallower than this (leg lengths) is a single-leg stance.
    step_down_min_drop
        The free foot this far (leg lengths) below the stance foot at the deepest point
        makes a single-leg dip a step-down.
    fppa_max_depth
        Pelvis drop (leg lengths) beyond which the knee is read on the descent, where the
        drop reaches this value, instead of at the deepest point.
    max_nan_fraction
        Largest fraction of event frames with the knee FPPA missing before the moment is
        ``unmeasurable``.
    verdict_min_probability
        Smallest share of the draws within the criteria's +/- that must give one verdict
        for it to be given (:mod:`pronate.verdict.probability`); else ``uncertain``.
    value_window_s
        Values at the start / peak of a moment are the median over this half-window (s).
    com_margin_min
        Smallest CoM margin inside the base of support at the peak (foot lengths).
    xcom_margin_min
        Smallest XCoM margin (Hof 2005) at the peak (foot lengths; informative).
    pelvis_shift_min
        Smallest pelvis shift toward the loaded foot at the peak (hip widths).
    pelvis_centred_max
        Largest pelvis shift of a bilateral moment (hip widths).
    obliquity_up_min_deg
        Smallest rise of the loaded side of the pelvis at the peak (deg).
    pelvis_level_max_deg
        Largest pelvic obliquity of a bilateral moment (deg).
    valgus_change_min_deg
        Smallest FPPA increase from start to peak for a valgus movement (deg).
    fppa_max_deg
        Upper bound of the normal FPPA band at the peak (deg).
    fppa_min_deg
        Lower bound of the normal FPPA band at the peak (deg, varus-looking).
    in_phase_min_pct
        Smallest share of the moment with femur and tibia in phase (%); informative.
    lag_max_s
        Largest femur-tibia lag (cross-correlation, s).
    coupling_smooth_s
        Moving-average window (s) of the segment angles before vector coding.
    foot_shift_min
        Smallest increase of the ankle medial shift for foot evidence (foot lengths).
    asymmetry_fppa_deg
        Left-right difference of the median peak FPPA that counts as asymmetric (deg).
    """

    stance_min_run_s: float = 0.06
    none_max_s: float = 0.3
    still_foot_speed: float = 0.3
    stance_bridge_s: float = 0.2
    single_stance_min_s: float = 0.5
    depth_smooth_s: float = 0.15
    rep_min_depth: float = 0.06
    single_rep_min_depth: float = 0.02
    rep_min_interval_s: float = 0.6
    rep_edge_fraction: float = 0.1
    rep_onset_fraction: float = 0.05
    rep_bottom_fraction: float = 0.1
    walk_max_single_s: float = 0.8
    walk_max_double_s: float = 0.4
    walk_min_single_s: float = 0.15
    squat_min_both_share: float = 0.5
    edge_settle_s: float = 0.3
    lunge_min_stagger: float = 0.5
    single_squat_min_depth: float = 0.09
    step_down_min_drop: float = 0.1
    fppa_max_depth: float = 0.2
    max_nan_fraction: float = 0.5
    verdict_min_probability: float = 0.8
    value_window_s: float = 0.1
    com_margin_min: float = 0.0
    xcom_margin_min: float = 0.0
    pelvis_shift_min: float = 0.2
    pelvis_centred_max: float = 0.25
    obliquity_up_min_deg: float = 1.0
    pelvis_level_max_deg: float = 3.0
    valgus_change_min_deg: float = 3.0
    fppa_max_deg: float = 16.8
    fppa_min_deg: float = -10.0
    in_phase_min_pct: float = 50.0
    lag_max_s: float = 0.2
    coupling_smooth_s: float = 0.2
    foot_shift_min: float = 0.02
    asymmetry_fppa_deg: float = 7.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value):
                raise ConfigError(f"threshold {f.name!r} must be a finite number, got {value}")
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise ConfigError(f"threshold {name!r} must be positive")
        for name in _NON_NEGATIVE:
            if getattr(self, name) < 0:
                raise ConfigError(
                    f"threshold {name!r} must not be negative, got {getattr(self, name):g}"
                )
        for name in _FRACTIONS:
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"threshold {name!r} must lie in [0, 1]")
        if self.fppa_min_deg >= self.fppa_max_deg:
            raise ConfigError("threshold 'fppa_min_deg' must be below 'fppa_max_deg'")
        if not 0 <= self.in_phase_min_pct <= 100:
            raise ConfigError("threshold 'in_phase_min_pct' must lie in [0, 100]")

    def as_dict(self) -> dict[str, float]:
        """Return the thresholds as a plain ``{name: value}`` dict."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


_POSITIVE = (
    "fppa_max_depth",
    "single_stance_min_s",
    "rep_min_depth",
    "single_rep_min_depth",
    "rep_min_interval_s",
    "walk_max_single_s",
    "lag_max_s",
)
_NON_NEGATIVE = (
    "stance_min_run_s",
    "none_max_s",
    "still_foot_speed",
    "stance_bridge_s",
    "depth_smooth_s",
    "walk_max_double_s",
    "walk_min_single_s",
    "edge_settle_s",
    "lunge_min_stagger",
    "step_down_min_drop",
    "single_squat_min_depth",
    "value_window_s",
    "pelvis_shift_min",
    "pelvis_centred_max",
    "obliquity_up_min_deg",
    "pelvis_level_max_deg",
    "valgus_change_min_deg",
    "fppa_max_deg",
    "coupling_smooth_s",
    "foot_shift_min",
    "asymmetry_fppa_deg",
)
"""Thresholds that are sizes, durations or bounds of a magnitude: never below 0 (the
margins ``com_margin_min`` and ``xcom_margin_min`` may be)."""
_FRACTIONS = (
    "rep_edge_fraction",
    "rep_onset_fraction",
    "rep_bottom_fraction",
    "max_nan_fraction",
    "verdict_min_probability",
    "squat_min_both_share",
)


def threshold_names() -> tuple[str, ...]:
    """Names of all thresholds, in table order."""
    return tuple(f.name for f in fields(Thresholds))


def override(base: Thresholds, values: dict[str, Any]) -> Thresholds:
    """Return ``base`` with ``values`` replaced.

    Parameters
    ----------
    base
        The thresholds to start from.
    values
        ``{name: number}``; every name must be a field of :class:`Thresholds`.

    Returns
    -------
    Thresholds
        A new, validated instance.

    Raises
    ------
    ConfigError
        For an unknown name, a value that is not a number, or an invalid value.
    """
    known = set(threshold_names())
    clean: dict[str, float] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown threshold {key!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"threshold {key!r} must be a number, got {value!r}")
        clean[key] = float(value)
    return replace(base, **clean)


def load_thresholds(path: Path | None) -> Thresholds:
    """Read the thresholds: the defaults, overridden by the TOML file at ``path``.

    Parameters
    ----------
    path
        A TOML file whose top-level keys are threshold names; ``None`` for the defaults.

    Returns
    -------
    Thresholds
        The thresholds to use.

    Raises
    ------
    ConfigError
        If the file is missing, unreadable or not TOML, or names an unknown threshold, or
        gives an invalid value.
    """
    if path is None:
        return Thresholds()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is fine
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        return override(Thresholds(), data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
