"""Pose estimation: the MediaPipe adapter and the subject tracker."""
