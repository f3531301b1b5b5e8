package queries

import "strings"

// enforcement switches tarn's three layers of enforcement. Each must hold
// alone, so tests turn one or two off (export_test.go) and attack what is
// left; nothing else ever changes them.
var enforcement = struct {
	scopedGuard   bool // off: a CTE name counts as visible anywhere in its statement, the guard's old bug
	narrowSandbox bool // off: a session may open any file under the lake root
	planCheck     bool // off: no plan is checked
}{true, true, true}

// initialScope is the scope a statement starts in: none, unless the
// scoped guard is switched off for a test, when every CTE name of the
// statement is visible everywhere in it.
func initialScope(tree any) *scope {
	if enforcement.scopedGuard {
		return nil
	}
	var sc *scope
	var collect func(any)
	collect = func(node any) {
		switch n := node.(type) {
		case []any:
			for _, c := range n {
				collect(c)
			}
		case map[string]any:
			cm, _ := n["cte_map"].(map[string]any)
			for _, e := range asList(cm["map"]) {
				if k, ok := e.(map[string]any)["key"].(string); ok {
					sc = sc.with(strings.ToLower(k), nil)
				}
			}
			for _, c := range n {
				collect(c)
			}
		}
	}
	collect(tree)
	return sc
}
