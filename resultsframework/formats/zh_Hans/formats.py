"""Chinese pages show dates as the English ones do (resultsframework/formats/en)."""

from resultsframework.formats.en.formats import *  # noqa: F403
