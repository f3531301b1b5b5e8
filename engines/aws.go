package engines

import (
	"errors"

	"tarn/lake"
	"tarn/perms"
)

// AWSOptions are `tarn export aws`'s settings.
type AWSOptions struct {
	Bucket string // s3://bucket/prefix the lake's root is uploaded to
	Root   string
}

// AWS is to come in the next commit.
func AWS(cat *lake.Catalog, pol *perms.Policy, opts AWSOptions) (Export, error) {
	return Export{}, errors.New("export aws is not written yet")
}
