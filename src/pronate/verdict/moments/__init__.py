"""Loading moments: when, on which leg, and how deep the body takes load.

A *loading moment* (:class:`Moment`) has a ``side`` (``left``, ``right`` or ``both``), a ``kind``,
and a ``start``, ``peak`` (most load) and ``end``, as positions along ``time`` and as
seconds and video frame numbers. Detection works on two signals:

stance
    The per-frame ``stance`` metric (``left`` / ``right`` / ``both`` / ``none``). Runs of
    ``none`` longer than ``none_max_s`` are implausible (nobody floats that long) and are
    filled from the foot speeds: a foot slower than ``still_foot_speed`` is on the ground
    (:func:`repair_stance`). Then runs shorter than ``stance_min_run_s`` are absorbed into
    their neighbours, and gaps shorter than ``stance_bridge_s`` are bridged: of ``none``
    within a run, of ``both`` within a single-leg one (the free foot touching down for a
    moment: one loading, not two).
pelvis depth
    How far the hip midpoint has dropped toward the floor, in leg lengths: the vertical
    distance (upright image, camera roll removed) from the supporting ankle -- the stance
    foot's ankle on one leg, the lower ankle otherwise (:func:`support_floor`: a foot
    lifting off moves it by nothing, so a change of stance is no step of the depth) -- to
    the hip midpoint,
    subtracted from its 95th percentile over the clip, divided by the leg length (thigh +
    shank, 90th percentile). It works in every view, including frontal ones where knee
    flexion cannot be measured; it is smoothed over ``depth_smooth_s``.

Rules (thresholds from :class:`pronate.verdict.thresholds.Thresholds`)
--------------------------------------------------------------
==================  ===================================================================
kind                rule
==================  ===================================================================
walking_stance      alternating single-leg runs each shorter than ``walk_max_single_s``
                    (and at least ``walk_min_single_s``: shorter runs are contact
                    noise, no moment of any kind) separated by double support shorter
                    than ``walk_max_double_s``;
                    the moment spans the double supports around the single-leg run
                    (foot contact to toe-off)
single_leg_squat    a dip of the depth (prominence >= ``single_rep_min_depth``, dips at
                    least ``rep_min_interval_s`` apart) within a single-leg run of at
                    least ``single_stance_min_s`` that is not gait; side = that leg
step_down           such a single-leg dip, at least ``single_squat_min_depth`` deep,
                    at whose deepest point the free foot is at least
                    ``step_down_min_drop`` leg lengths below the stance foot
single_leg_stance   a single-leg run of at least ``single_stance_min_s``, not gait,
                    without a dip, or with one shallower than ``single_squat_min_depth``
                    (then peaking at the dip's deepest point); shallow dips in a row
                    are one stance (:func:`join_shallow`), peaking where the pelvis is
                    furthest toward the stance foot; a shallow dip with the free foot
                    below (stepping off) is no part of it
squat               a dip (prominence >= ``rep_min_depth``) not on one leg at its
                    deepest point nor for half of it, on both feet (stance ``both``,
                    not ``none``) for at least ``squat_min_both_share`` of it, peaking
                    at least ``edge_settle_s`` after the first frame the subject is
                    seen; side ``both``
lunge               such a dip on both feet with the ankles staggered fore-aft by at
                    least ``lunge_min_stagger`` leg lengths (median over the dip, world
                    landmarks); side = the front leg
==================  ===================================================================

Bounds and peak: a dip starts and ends at its onsets: from where its drop comes within
``rep_edge_fraction`` of its depth of the base, outward to the nearest sample within
``rep_onset_fraction`` of its depth of the floor beyond (single-leg dips are searched
within their run); its peak is the lowest pelvis: the centroid of the samples within
``rep_bottom_fraction`` of the depth of the lowest one, which stays put when noise ripples
a flat bottom. A stance moment spans its run; its peak is the furthest pelvis shift toward
the stance foot (the lowest pelvis when the shift is not measurable, the middle of the run
when neither is). Every moment also has a *knee frame* where the knee is read: the peak,
or in a dip deeper than ``fppa_max_depth`` the last frame of the descent within that drop.
"""

from __future__ import annotations

from pronate.verdict.moments.dips import (
    Dip,
    bottom_centre,
    find_dips,
    foot_of_slope,
    join_shallow,
    knee_frame,
)
from pronate.verdict.moments.find import detect_moments, find_moments
from pronate.verdict.moments.moment import KINDS, SIDES, Moment
from pronate.verdict.moments.runs import clean_labels, label_runs, repair_stance
from pronate.verdict.moments.signals import body_signals, foot_speeds, support_floor

__all__ = [
    "KINDS",
    "SIDES",
    "Dip",
    "Moment",
    "body_signals",
    "bottom_centre",
    "clean_labels",
    "detect_moments",
    "find_dips",
    "find_moments",
    "foot_of_slope",
    "foot_speeds",
    "join_shallow",
    "knee_frame",
    "label_runs",
    "repair_stance",
    "support_floor",
]
