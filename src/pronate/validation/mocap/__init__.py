"""Marker-based motion capture (C3D) seen through a virtual frontal camera.

A gait lab can feed a C3D trial (e.g. Vicon Plug-in Gait) to pronate: the markers are
mapped onto BlazePose keypoints, projected through a virtual pinhole camera standing in
front of the subject, and turned into a pose dataset (:mod:`pronate.pose.schema`) that the
ordinary metrics (:func:`pronate.metrics.kinematics.compute_metrics`) run on. The model angles
stored in the file are read alongside, in pronate's sign conventions, so the 2-D
metrics can be compared with the lab's 3-D joint angles.

Reading (:func:`read_c3d`)
    Points with ezc3d; lengths converted to metres with ``POINT:UNITS``; labels lose
    their subject prefix (``A22:LKNE`` -> ``LKNE``); ``LABELS2``, ``LABELS3`` ...
    continue ``LABELS`` past 255 points. Labels listed in the ``POINT`` type groups
    (``ANGLES``, ``FORCES``, ``MOMENTS``, ``POWERS``, ``SCALARS``, ``REACTIONS``) are
    model outputs, not positions: angles are kept in degrees, the rest is dropped.
    Points with a negative residual are missing (NaN). Analog data are ignored. Frame
    ``i`` of the file is at ``time_s = (first_frame + i) / rate`` with the header's
    0-based first frame, the time base of the ``EVENT:TIMES`` parameter (minutes,
    seconds).
Keypoints (:data:`KEYPOINT_SOURCES`, :func:`pig_keypoints`)
    For each keypoint the first candidate the file has (per trial, never mixed frame by
    frame): joint centres before skin markers. Hips: a virtual ``LHJC`` point, else the
    Plug-in Gait femur's proximal point ``LFEP`` (the hip joint centre of PiG's Davis
    1991 regression; their midpoint is the pelvis origin ``PELO``), else the Harrington
    et al. (2007) regression from the ASIS and PSIS (or sacrum) markers
    (:func:`harrington_hip_centres`). Knees: ``LKJC``, else the PiG femur origin
    ``LFEO`` (the knee joint centre), else the lateral epicondyle marker ``LKNE``.
    Ankles: ``LAJC``, else the PiG tibia origin ``LTIO`` (ankle joint centre), else
    ``LANK`` (lateral malleolus). The skin-marker fallbacks sit lateral of the joint
    centres and bias the FPPA towards varus (about -10 deg on the c3d.org sample).
    Heels: ``LHEE``, else the PiG foot's proximal axis point ``LFOP`` (on the foot's
    long axis behind the toe; on the c3d.org sample about 4.5 cm behind and 3.5 cm below
    the ankle joint centre, under 1 cm above the floor in stance: near the heel). Foot
    index: ``LTOE`` (second metatarsal head, where BlazePose aims at the toe tips).
    Shoulders ``LSHO``, elbows ``LELB``, wrists the midpoint of ``LWRA`` and ``LWRB``,
    ears the midpoint of ``LFHD`` and ``LBHD`` (the side of the head, a little above
    the ear). Right side alike with ``R``. Face keypoints, hands and keypoints without
    markers are NaN (confidence 0).
Plug-in Gait angles (:func:`pig_reference`)
    PiG angles are ``[sagittal, frontal, transverse]``. Pelvis frontal (obliquity):
    ``LPelvisAngles`` is positive when the LEFT side is up (``RPelvisAngles`` is its
    negative) - the sign of pronate's ``pelvic_obliquity_deg``; checked against the
    heights of the hip joint centres and of LASI/RASI on the c3d.org sample.
    Knee frontal: positive = varus (adduction of the tibia), negative = valgus, so
    ``knee_valgus_{side}_deg`` = -frontal, the sign of ``knee_fppa_{side}_deg``. Knee
    sagittal is flexion (+); hip transverse is internal rotation (+).
Virtual camera (:func:`frontal_view`)
    Up is the lab axis along which the hips stand above the feet. The walking direction
    is the horizontal least-squares velocity of the hip midpoint, oriented to where the
    subject faces (right hip -> left hip crossed with up); when the subject moves less
    than :data:`MIN_WALK_SPEED_M_S` it is the facing direction. The camera stands on the
    line of progression through the mean hip position, at the median hip height, level
    (no pitch, no roll), looking back at the subject. ``follow=False`` (default): the
    camera is fixed ``distance_m`` beyond the furthest hip position, so the subject
    walks towards it as towards a phone on a tripod at the end of a walkway (the
    perspective changes through the trial as in a real clip). ``follow=True``: the
    markers are moved back along the walking direction by the fitted mean progression,
    as on a treadmill, and the camera stays ``distance_m`` in front. The default focal
    length fits every marker of the trial into 90 % of the image.
Comparison (:func:`compare_with_pig`)
    Pelvic obliquity over the trial; each knee FPPA over its own stance (from the
    file's ``Foot Strike`` / ``Foot Off`` events, :func:`stance_masks`) and over the
    trial. They differ by construction: PiG obliquity is a Cardan angle (tilt, then
    obliquity, then rotation) while the projected hip line also carries a tilt x
    rotation term; PiG knee varus/valgus is measured about an axis set by the knee
    flexion axis (KAD / thigh wand) and picks up flexion when that axis is off, while
    the FPPA is the hip-knee-ankle angle in the image and picks up flexion seen through
    a rotated femur. Both grow when the knee flexes (late stance, swing).
"""

from __future__ import annotations

from pronate.validation.mocap.c3d import NON_POSITION_GROUPS, SIDES, C3DTrial, GaitEvent, read_c3d
from pronate.validation.mocap.compare import (
    COMPARED,
    Agreement,
    Comparison,
    agreement,
    compare_with_pig,
    stance_masks,
)
from pronate.validation.mocap.frontal import (
    DEFAULT_DISTANCE_M,
    DEFAULT_IMAGE_SIZE,
    FILL_FRACTION,
    MIN_WALK_SPEED_M_S,
    FrontalView,
    frontal_pose_dataset,
    frontal_view,
    look_at_camera,
    vertical_axis,
)
from pronate.validation.mocap.pig import (
    HARRINGTON,
    KEYPOINT_SOURCES,
    PIG_REFERENCE_VARIABLES,
    harrington_hip_centres,
    pig_keypoints,
    pig_reference,
)

__all__ = [
    "COMPARED",
    "DEFAULT_DISTANCE_M",
    "DEFAULT_IMAGE_SIZE",
    "FILL_FRACTION",
    "HARRINGTON",
    "KEYPOINT_SOURCES",
    "MIN_WALK_SPEED_M_S",
    "NON_POSITION_GROUPS",
    "PIG_REFERENCE_VARIABLES",
    "SIDES",
    "Agreement",
    "C3DTrial",
    "Comparison",
    "FrontalView",
    "GaitEvent",
    "agreement",
    "compare_with_pig",
    "frontal_pose_dataset",
    "frontal_view",
    "harrington_hip_centres",
    "look_at_camera",
    "pig_keypoints",
    "pig_reference",
    "read_c3d",
    "stance_masks",
    "vertical_axis",
]
