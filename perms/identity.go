package perms

// Identity is who acts, beyond the persona: the principal a served lake
// (tarn serve) authenticated, its key's fingerprint and where it connected
// from. Audit records carry it; it is empty for the lake's owner working
// locally, and then omitted.
type Identity struct {
	Principal      string `json:"principal,omitempty"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	RemoteAddr     string `json:"remote_addr,omitempty"`
}
