package handlers

import "github.com/crowdcare/crowdcare/models"

// pager is what the pager partial needs: links, not arithmetic.
type pager struct {
	Page, Pages          int
	Prev, Next           string
	PrevLabel, NextLabel string
}

func makePager(p models.Paging, url func(int) string) pager {
	pg := pager{Page: p.Page, Pages: p.Pages, PrevLabel: "Newer", NextLabel: "Older"}
	if p.HasPrev() {
		pg.Prev = url(p.Prev())
	}
	if p.HasNext() {
		pg.Next = url(p.Next())
	}
	return pg
}
