package atomicfile

// syncDir does nothing on Windows: a directory cannot be flushed there
// (FlushFileBuffers refuses a directory handle), and NTFS journals the
// rename itself.
func syncDir(string) error { return nil }
