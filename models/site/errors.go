package site

import "github.com/crowdcare/crowdcare/models/invalid"

// A refused form or image is an *invalid.Error (models' ValidationError):
// each field's name and what is wrong with it, shown beside the fields.
// validator collects them while a form is checked.
type validator = invalid.Fields
