"""A pose engine of our own: MediaPipe's BlazePose models (from the mediapipe wheel) run in PyTorch.

- :mod:`.tflite_reader`: the ``.tflite`` flatbuffers -> operators, shapes, weights;
- :mod:`.ops`, :mod:`.interpreter`: the operators in PyTorch (NCHW inside, TFLite semantics);
- :mod:`.graph_settings`: MediaPipe's pre-/post-processing settings read from the wheel's graphs;
- :mod:`.detector`, :mod:`.landmarks`: detector and landmark pipelines, batched;
- :mod:`.graph`: :class:`TorchPoseGraph`, the same two calls as :class:`~core_model.pose.roi_graph.PoseGraph`;
- :mod:`.warp`: MediaPipe's crops as batched ``grid_sample`` on the device;
- :mod:`.batching`: chunks of a video and several videos tracked at once, one forward per step for all;
- :mod:`.backend`: the engine as a pose backend, ``auto`` (:data:`.backend.CPU_ENGINE`, measured), devices.
"""
