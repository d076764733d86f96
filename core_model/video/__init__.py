"""Video decoding (frame-exact, VFR aware), clip writing and synthetic test videos."""
from core_model.video.reader import VideoReader, VideoWarning
from core_model.video.writer import content_key, write_clip

__all__ = ["VideoReader", "VideoWarning", "content_key", "write_clip"]
