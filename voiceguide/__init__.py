"""voiceguide: turn exercise routines into spoken, timed audio sessions."""

import warnings

__version__ = "0.1.0"

# pydub looks for an ffmpeg on PATH when imported and warns if there is none. We never
# let pydub run ffmpeg itself (voiceguide.ffmpeg finds the binary and runs it), so the
# warning is noise for the user.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
