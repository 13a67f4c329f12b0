"""The report's words: *what this means* for the client, one sentence per moment, and the
limits of the measurement, generated from the verdicts and their failed criteria.

The verdicts, criteria and camera are the analysis's
(:class:`pronate.verdict.analysis.Analysis`); the left-right medians are the summary's
(:mod:`pronate.outputs.summary`). Paragraphs are :class:`markupsafe.Markup` (HTML with
``<b>`` for emphasis, put into the page as it is); every text that comes from the analysis
or the summary is escaped by :class:`Markup` when it is put into them. Sentences without
emphasis are plain text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import xarray as xr
from markupsafe import Markup

from pronate.outputs.render.moments import in_order
from pronate.outputs.report.values import (
    CHAIN_ORDER,
    LINKS,
    VERDICT_LABEL,
    failed_links,
    fmt,
    leg_verdict,
)
from pronate.verdict.analysis import Analysis
from pronate.verdict.assessment import Assessment, overall_verdict


def join_words(clauses: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not clauses:
        return ""
    if len(clauses) == 1:
        return clauses[0]
    return ", ".join(clauses[:-1]) + " and " + clauses[-1]


def moment_gist(moment: Assessment, *, view: str) -> str:
    """One sentence on a moment: what its verdict rests on (plain text)."""
    verdict = moment.verdict
    failed = [LINKS[b].failed for b in failed_links(moment.criteria)]
    if verdict == "pronation":
        return "Every link of the chain that counts was there."
    if verdict == "unmeasurable":
        if moment.reason:
            hint = moment.placement_hint
            return f"Not judged: {moment.reason}." + (f" To measure: {hint}." if hint else "")
        if view in ("left", "right"):
            return "Not judged: from the side the camera cannot see the knee move inward."
        return "Not judged: the knee was not seen well enough during this moment."
    if verdict == "collapse":
        return f"The chain gave way: {join_words(failed) or 'the knee went in too far'}."
    if verdict == "missing":
        return f"Load taken without the chain: {join_words(failed)}."
    if verdict == "partial":
        return f"Part of the chain: {join_words(failed) or 'some links were not there'}."
    if verdict == "uncertain" and moment.odds is not None:
        likely = join_words(
            [f"{v} {100 * p:.0f} %" for v, p in moment.odds.shares.items() if p >= 0.05]
        )
        return f"Not decided within the measurement's +/-: {likely}."
    return "Not assessed."


CHAIN_TEXT: Final[Markup] = Markup(
    "When a leg takes load it should <b>pronate</b>: a chain of small movements from the "
    "foot up that lets the leg absorb the load. The foot settles onto its tripod (heel, "
    "ball of the big toe, ball of the little toe); the shin and the thigh turn inward "
    "together; the knee moves a little toward the midline, in rhythm with them; the "
    "pelvis hikes on the standing side and shifts over the standing foot; and the "
    "body's centre of mass stays inside the base of support (over the foot or feet). "
    "The camera checks each of these links."
)


LEG_TEXT: Final[dict[str, Markup]] = {
    "pronation": Markup("the chain was there — this leg takes load the way it should."),
    "partial": Markup("part of the chain was there, part was not: {failed}."),
    "missing": Markup("the leg took the load <b>without the chain</b>: {failed}."),
    "collapse": Markup("the chain <b>gave way</b>: {failed}."),
    "uncertain": Markup("not decided within the measurement's +/- ({failed})."),
    "unmeasurable": Markup("could not be judged from this video ({reason})."),
}
"""The verdict of a leg, completed with what failed."""


VERDICT_MEANING: Final[dict[str, Markup]] = {
    "pronation": Markup(
        "<b>Pronation</b> means the chain was there: the knee moved a little toward the "
        "midline and stayed in the normal band, thigh and shin moved together, and the "
        "pelvis and the centre of mass came over the foot."
    ),
    "partial": Markup(
        "<b>Partial</b> means some links were there and some were not: the leg copes, but "
        "not with the whole chain. The missing links (the red rows of the evidence tables) "
        "are the ones to work on."
    ),
    "missing": Markup(
        "<b>Missing</b> means the leg took load without the chain: it was held "
        "up stiff instead of absorbing the load. Then other muscles do the chain's work: the "
        "peroneals on the outside of the shin, the IT band on the outside of the thigh, "
        "piriformis and psoas deep at the hip. These are the structures that tend to get "
        "tight and sore."
    ),
    "collapse": Markup(
        "<b>Collapse</b> means the chain gave way: the knee went further in than the normal "
        "band, or thigh and shin moved out of rhythm. The knee then takes what the chain "
        "should share: work on control before adding load."
    ),
    "uncertain": Markup(
        "<b>Uncertain</b> means the measurement could not decide: read again within the "
        "+/- of its numbers, the moment gives one verdict as often as another (the shares "
        "are in the moment's evidence). Film again, closer and straight from the front or "
        "the back, and repeat the movement: repetitions settle it."
    ),
    "unmeasurable": Markup(
        "<b>Not measurable</b> means the video did not show enough: film from the front or "
        "the back, with the whole body and both feet in the picture, in good light."
    ),
}
"""What each verdict means for the client, said once for the verdicts of the clip."""


def side_paragraph(moments: Sequence[Assessment], leg: str, *, view: str) -> Markup:
    """What happened to one leg, in a coach's words (HTML).

    The leg's overall verdict (:func:`pronate.verdict.assessment.overall_verdict`) with the
    links that failed in its moments of that verdict, then the moments that went
    otherwise.

    Parameters
    ----------
    moments
        The clip's moments, in order (:func:`pronate.outputs.render.moments.in_order`).
    leg
        ``left`` or ``right``.
    view
        The camera's view.
    """
    numbered = [(n, a) for n, a in enumerate(moments, 1) if a.moment.side in (leg, "both")]
    verdict = overall_verdict([leg_verdict(a, leg) for _, a in numbered])
    title = Markup("<b>{} leg</b>: ").format(leg.capitalize())
    if verdict is None:
        return title + "no loading moment on this leg in the clip."
    counts = Counter(leg_verdict(a, leg) for _, a in numbered)
    tally = ", ".join(
        f"{n} {VERDICT_LABEL.get(v, v).lower()}"
        for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    lead = f"{len(numbered)} loading moment{'s' if len(numbered) != 1 else ''} ({tally}). "
    reason = (
        "a side view shows no frontal plane"
        if view in ("left", "right")
        else "the knee was not seen well enough"
    )

    def failed_of(items: Sequence[Assessment]) -> str:
        found: Counter[str] = Counter()
        for a in items:
            found.update(failed_links(a.criteria, leg=leg))
        links = [LINKS[b].failed for b in sorted(found, key=CHAIN_ORDER.index)]
        return join_words(links) or "some links were not there"

    mine = [a for _, a in numbered if leg_verdict(a, leg) == verdict]
    text = LEG_TEXT.get(verdict, Markup("{failed}")).format(failed=failed_of(mine), reason=reason)
    text = "Mostly, " + text if len(counts) > 1 else text[0].upper() + text[1:]
    others = []
    for n, a in numbered:
        v = leg_verdict(a, leg)
        if v == verdict:
            continue
        what = LEG_TEXT.get(v, Markup("{failed}")).format(failed=failed_of([a]), reason=reason)
        others.append(
            Markup("in moment #{} ({} s) {} — {}").format(
                n, fmt(a.moment.peak_s, 1), VERDICT_LABEL.get(v, v).lower(), what
            )
        )
    tail = (Markup(" But ") + Markup("; ").join(others)) if others else Markup()
    if tail and not tail.endswith("."):
        tail += "."
    return title + lead + text + tail


def asymmetry_paragraph(summary: Mapping[str, Any]) -> Markup | None:
    """A sentence on the left-right difference, when there is one worth saying (HTML)."""
    asym = summary.get("asymmetry") or {}
    fppa = asym.get("knee_fppa_peak_deg") or {}
    left, right = fppa.get("left"), fppa.get("right")
    threshold = asym.get("knee_fppa_threshold_deg")
    parts: list[Markup] = []
    if asym.get("knee_fppa_asymmetric") and left is not None and right is not None:
        more = "left" if left > right else "right"
        lead = (
            f"The {more} knee goes in more"
            if max(left, right) > 0
            else f"The {'right' if more == 'left' else 'left'} knee bows out more"
        )
        parts.append(
            Markup(
                "{}: knee angle {}° on the left against {}° on the right (negative = outward), "
                "a gap of {}° — more than the camera can mistake ({}°)."
            ).format(
                lead, fmt(left, 1), fmt(right, 1), fmt(abs(left - right), 1), fmt(threshold, 1)
            )
        )
    if asym.get("verdicts_differ"):
        parts.append(
            Markup(
                "The two legs do not load the same way: compare them in the left-vs-right picture."
            )
        )
    return Markup(" ").join(parts) or None


def meaning_paragraphs(analysis: Analysis, summary: Mapping[str, Any]) -> list[Markup]:
    """The section *what this means*: the chain, each leg, the verdicts seen, the
    asymmetry (HTML paragraphs).

    Parameters
    ----------
    analysis
        The clip's analysis: its moments, their verdicts, the camera and the quality.
    summary
        The content of ``summary.json``, for the left-right asymmetry.
    """
    out = [CHAIN_TEXT]
    moments = in_order(analysis.assessments)
    camera = analysis.camera
    if not moments:
        out.append(
            Markup(
                "No loading moment was found in this clip: no single-leg stance, squat, lunge, "
                "step-down or walking stance long enough to judge. Film the client loading one "
                "leg (a single-leg stance or squat) for at least a second."
            )
        )
    else:
        out.extend(side_paragraph(moments, leg, view=camera.view.view) for leg in ("left", "right"))
        asym = asymmetry_paragraph(summary)
        if asym:
            out.append(asym)
        seen = {v for a in moments for v in [a.verdict, *a.legs.values()]}
        out.extend(VERDICT_MEANING[v] for v in VERDICT_MEANING if v in seen)
    if not camera.frontal_measurable:
        out.append(
            Markup("No frontal verdict from this clip: {}. Next time, {}.").format(
                camera.reason, camera.placement_hint
            )
        )
    for warning in analysis.quality.get("warnings") or []:
        out.append(Markup("Note: {}.").format(warning))
    return out


CHAIN_KEYPOINTS: Final[tuple[str, ...]] = tuple(
    f"{side}_{part}"
    for side in ("left", "right")
    for part in ("hip", "knee", "ankle", "heel", "foot_index")
)
"""Keypoints whose confidence the limits section reports."""


LOW_CONFIDENCE: Final[float] = 0.5


def confidence_summary(pose: xr.Dataset | None) -> str | None:
    """Keypoint confidence of the legs, in words; ``None`` without a pose."""
    if pose is None or "confidence" not in pose:
        return None
    names = [k for k in CHAIN_KEYPOINTS if k in list(pose["keypoint"].values)]
    if not names:
        return None
    conf = np.asarray(pose["confidence"].sel(keypoint=names).values, dtype=np.float64)
    per_frame = np.nanmin(np.where(np.isfinite(conf), conf, 0.0), axis=1)
    median = float(np.nanmedian(np.where(np.isfinite(conf), conf, np.nan)))
    low = float(np.mean(per_frame < LOW_CONFIDENCE)) * 100.0
    return (
        f"The pose model's confidence in the hips, knees, ankles and feet: median "
        f"{median:.2f}; in {low:.0f}% of frames at least one of them is below "
        f"{LOW_CONFIDENCE:g} (hidden, blurred or out of the picture). Numbers from those "
        "frames are less reliable."
    )


def limits_items(analysis: Analysis, *, pose: xr.Dataset | None) -> list[Markup]:
    """The limits of this measurement (HTML list items' content)."""
    camera = analysis.camera
    view = camera.view.view
    items = [
        Markup(
            "<b>One camera, two dimensions.</b> Every angle is the picture of the body on the "
            "camera's image, not a 3-D joint angle. The inward turn of thigh and shin cannot be "
            "seen directly; it shows as the knee moving toward the midline. Filmed twice, the "
            "knee angle differs by about 3° (SEM 2.7–3.0°); between sessions or sides only "
            "differences above about 8° (7.5–8.9°) are real (Munro 2012). Each number carries "
            "the error of the pose model measured against motion capture (±, camera panel)."
        ),
    ]
    view_text = {
        "front": "from the front: the best view for this analysis.",
        "back": "from behind: as good as the front; left and right are the client's own.",
        "oblique": "at an angle (oblique): the picture does not show the frontal plane, "
        "so no frontal-plane number or verdict is given (see the camera panel for where to "
        "put the camera).",
        "left": "from the side: the frontal-plane chain (knee in, pelvis hike and shift) "
        "cannot be seen, so no verdict is given.",
        "right": "from the side: the frontal-plane chain (knee in, pelvis hike and shift) "
        "cannot be seen, so no verdict is given.",
    }.get(view, "from an unknown view.")
    items.append(Markup("<b>View.</b> This clip was filmed {}").format(view_text))
    conf = confidence_summary(pose)
    if conf:
        items.append(Markup("<b>Confidence.</b> {}").format(conf))
    how = {
        "override": "as given (--roll)",
        "scene_lines": "estimated from the room's vertical lines",
        "body_axis": "estimated from the body in quiet stance",
        "heel_toe": "estimated from the feet in quiet stance",
    }.get(camera.roll_method, "estimated")
    if camera.roll_method == "none":
        tilt = (
            "could not be estimated (too few vertical lines in the room and no quiet "
            "stance on both feet), so the picture was taken as level"
        )
    else:
        tilt = f"was corrected by {fmt(camera.roll_deg, 1)}° ({how})"
    items.append(
        Markup(
            "<b>Camera tilt.</b> The camera's tilt {}. A camera that is not level tilts "
            "every frontal-plane angle: set it up level, at hip height."
        ).format(tilt)
    )
    if camera.view.labels_swapped:
        items.append(
            Markup(
                "<b>Left and right.</b> The pose model labelled the sides as if it saw a face; "
                "the labels were swapped, so <i>left</i> is the client's real left."
            )
        )
    deep = [a for a in analysis.assessments if abs(a.moment.knee_s - a.moment.peak_s) > 1e-6]
    if deep:
        items.append(
            Markup(
                "<b>Deep squats.</b> The 2-D knee angle is established to about 45–60° of knee "
                "flexion. Deeper, the thigh points at the camera and its picture shortens, so "
                "the knee of {} deep moment{} was read on the way down at a drop of {} leg "
                "lengths (about 75° of knee flexion; dotted line in the plots), not at the "
                "bottom."
            ).format(
                len(deep),
                "s" if len(deep) != 1 else "",
                fmt(analysis.thresholds.fppa_max_depth, 2),
            )
        )
    items.extend(
        Markup(item)
        for item in (
            "<b>Foot: experimental.</b> The pose model sees only the heel, the ankle and the "
            "tip of the big toe — not the arch or the tripod. The foot row (the ankle moving "
            "in over the foot) is a rough proxy and does not enter the verdict.",
            "<b>Centre of mass: estimated</b> from body-segment tables (de Leva 1996) on the "
            "tracked keypoints, not measured; the base of support is the feet on the ground, "
            "widened by an estimated foot width.",
            "<b>A screen, not a diagnosis.</b> The verdicts describe how this clip moved "
            "against published norms; they do not explain pain or replace an assessment.",
        )
    )
    return items
