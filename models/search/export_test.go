package search

import "context"

// MatchExprs is every match expression the plan of text writes (for the
// fuzz test's check that the PostgreSQL back-end compiles each).
func (x *Searcher) MatchExprs(ctx context.Context, text string) ([]string, error) {
	plan, err := x.planQuery(ctx, text)
	if err != nil || len(plan.groups) == 0 {
		return nil, err
	}
	exprs := []string{plan.matchAny(), plan.matchCore(), plan.matchAllWords(),
		fullMatch(plan.matchCore(), "facets : zsolved AND facets : zc1", "facets : (zc2 OR zc3)")}
	if plan.hasSyn() {
		exprs = append(exprs, plan.matchSyn())
	}
	for _, g := range plan.groups {
		exprs = append(exprs, g.expr())
	}
	return exprs, nil
}

// CompilePg compiles a match expression for PostgreSQL (pg.go).
func CompilePg(match string) error {
	_, err := compilePgQuery(match)
	return err
}
