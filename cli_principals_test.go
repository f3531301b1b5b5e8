package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tarn/lake"
	"tarn/perms"
)

// sshKey writes a key pair with ssh-keygen, as a person would make one,
// and returns the public key's file and its fingerprint as ssh-keygen -l
// prints it.
func sshKey(t *testing.T, comment string) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("no ssh-keygen")
	}
	file := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	out, err := exec.Command("ssh-keygen", "-l", "-f", file+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	return file + ".pub", strings.Fields(string(out))[1]
}

func TestPrincipalsFromTheCommandLine(t *testing.T) {
	root := governedCLILake(t)
	laptop, laptopFP := sshKey(t, "ana@laptop")
	desktop, desktopFP := sshKey(t, "ana@desktop")
	policy := func() string {
		b, _ := os.ReadFile(filepath.Join(root, perms.PolicyFile))
		return string(b)
	}
	before := policy()
	code, _, errOut := tarn(t, "principals", "add", "ana", "--persona", "analyst", "--key", laptop, "--as", "analyst", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "tarn principals is for administrators") || policy() != before {
		t.Errorf("an analyst adding a principal: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "principals", "add", "ana", "--persona", "analyst", "--key", laptop[:len(laptop)-4], "--lake", root)
	if code != 1 || !strings.Contains(errOut, "id_ed25519:1: this is a private key: give the public one (the .pub file)") || policy() != before {
		t.Errorf("adding a private key: exit %d, %s", code, errOut)
	}
	code, out, errOut := tarn(t, "principals", "add", "ana", "--persona", "analyst", "--key", laptop, "--lake", root)
	if code != 0 || !strings.Contains(out, "principals add ana --persona analyst "+laptopFP+": done as admin") {
		t.Fatalf("add: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = tarn(t, "access", "sales.customers", "--lake", root)
	if code != 0 || !regexp.MustCompile(`(?m)^principals +ana$`).MatchString(out) {
		t.Errorf("tarn access does not show ana beside the analyst:\n%s", out)
	}
	code, out, _ = tarn(t, "principals", "key", "add", "ana", desktop, "--lake", root)
	if code != 0 {
		t.Fatalf("key add: exit %d %s", code, out)
	}
	code, out, _ = tarn(t, "principals", "--lake", root)
	for _, want := range []string{"ana        analyst  ssh-ed25519  " + laptopFP + "  ana@laptop", "                    ssh-ed25519  " + desktopFP + "  ana@desktop"} {
		if code != 0 || !strings.Contains(out, want+"\n") {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = tarn(t, "principals", "add", "bob", "--persona", "admin", "--key", laptop, "--lake", root)
	if code != 1 || !strings.Contains(errOut, `is already principal "ana"'s`) {
		t.Errorf("a second principal with ana's key: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "principals", "key", "remove", "ana", laptopFP, "--lake", root)
	if code != 0 {
		t.Fatalf("key remove: %s", errOut)
	}
	code, out, _ = tarn(t, "principals", "--json", "--lake", root)
	var list []principalEntry
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 || len(list[0].Keys) != 1 || list[0].Keys[0].Fingerprint != desktopFP {
		t.Errorf("after rotating ana's key, the JSON list: %v\n%s", err, out)
	}
	code, _, errOut = tarn(t, "principals", "key", "remove", "ana", desktopFP, "--lake", root)
	if code != 1 || !strings.Contains(errOut, "last key") {
		t.Errorf("removing ana's last key: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "principals", "remove", "ana", "--lake", root)
	if code != 0 || strings.Contains(policy(), `name = "ana"`) {
		t.Errorf("remove: exit %d %s\n%s", code, errOut, policy())
	}
	audit, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if !strings.Contains(string(audit), `"change":"principals add ana --persona analyst `+laptopFP+`","outcome":"SUCCEEDED"`) ||
		!strings.Contains(string(audit), `"change":"principals remove ana","outcome":"SUCCEEDED"`) {
		t.Errorf("the audit log lacks the principals' edits:\n%s", audit)
	}
}

func TestPrincipalsKeysFromStdin(t *testing.T) {
	root := governedCLILake(t)
	pub, fp := sshKey(t, "bob@laptop")
	f, err := os.Open(pub)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	code, out, errOut := tarn(t, "principals", "add", "bob", "--persona", "sales_east", "--key", "-", "--lake", root)
	if code != 0 || !strings.Contains(out, fp) {
		t.Fatalf("add from stdin: exit %d %s%s", code, out, errOut)
	}
	code, _, errOut = tarn(t, "principals", "remove", "bob", "--key", pub, "--lake", root)
	if code != 1 || !strings.Contains(errOut, "--key is for tarn principals add; to give a principal another key: tarn principals key add NAME FILE.pub") {
		t.Errorf("--key outside add: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "principals", "add", "carl", "--persona", "analyst", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "usage: tarn principals add NAME --persona P --key FILE.pub") {
		t.Errorf("add without a key: exit %d, %s", code, errOut)
	}
}
