"""voiceguide: turn exercise routines into spoken, timed audio sessions."""

import os
import warnings

__version__ = "0.1.0"

# pydub looks for an ffmpeg on PATH when imported and warns if there is none. We never
# let pydub run ffmpeg itself (voiceguide.ffmpeg finds the binary and runs it), so the
# warning is noise for the user.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

# numpy's OpenBLAS starts a thread a core, and after each matrix product (the true-peak
# estimate's, voiceguide.peaks) they spin while they wait for the next: on two cores, a
# tenth of a cold build's processor went to that spinning, beside the LAME and espeak-ng
# work the build waits on. The products are small: one thread does them as fast. Read
# when numpy loads (after this, in a build); a value set by the user is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
