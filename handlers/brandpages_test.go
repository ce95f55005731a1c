package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// The header's search box shows the search text, never a page's own field
// that happens to be called like it.
func TestSocialInboxLeavesTheHeaderSearchBoxEmpty(t *testing.T) {
	a := newApp(t)
	a.importTweets(models.ImportOptions{Triage: true}, tweet("601", "My router shows a red light since the update"))
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.get("/mod/social?status=new&lang=en")
	if res.Code != http.StatusOK {
		t.Fatalf("inbox: %d", res.Code)
	}
	mustContain(t, res.Body, `<input id="site-search-q" type="search" name="q" value="" `, "My router shows a red light")
	mustNotContain(t, res.Body, "{new")
}

// No page's data may shadow a field of the common page that the layout
// reads: html/template would quietly take the page's.
func TestNoPageFieldShadowsTheLayout(t *testing.T) {
	common := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(page{})) {
		common[f.Name] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			embeds := false
			for _, fl := range st.Fields.List {
				if id, ok := fl.Type.(*ast.Ident); ok && len(fl.Names) == 0 && id.Name == "page" {
					embeds = true
				}
			}
			for _, fl := range st.Fields.List {
				for _, n := range fl.Names {
					if embeds && common[n.Name] {
						t.Errorf("%s: %s.%s shadows page.%s", name, ts.Name.Name, n.Name, n.Name)
					}
				}
			}
			return true
		})
	}
}
