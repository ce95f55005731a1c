package language

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

//go:embed models
var modelFiles embed.FS

// models holds every language's n-gram probabilities in one table: for an
// n-gram (gramKey) the languages that have it and the log of its
// probability in each, found with one lookup.
type models struct {
	index map[uint64]uint32 // gramKey -> first posting << 5 | number of postings
	all   []posting
	logp  []float64 // the distinct log-probabilities
}

type posting struct {
	prob uint32 // index into logp
	lang uint8
}

func (m *models) postings(key uint64) []posting {
	v, ok := m.index[key]
	if !ok {
		return nil
	}
	return m.all[v>>5 : v>>5+v&31]
}

// loadModels reads lingua-go's unigram, bigram and trigram models of every
// language (ja, ko, zh and he have unigrams only).
func loadModels() (*models, error) {
	type entry struct {
		key  uint64
		lang uint8
		prob uint32
	}
	var all []entry
	probs := map[float64]uint32{}
	m := &models{}
	for l := range languages {
		found := 0
		for _, name := range []string{"unigrams", "bigrams", "trigrams"} {
			path := "models/" + languages[l].code + "/" + name + ".pb.bin.zip"
			b, err := modelFiles.ReadFile(path)
			if err != nil {
				continue
			}
			found++
			model, err := readModel(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			for _, set := range model.NgramSets {
				p, ok := probs[set.Probability]
				if !ok {
					p = uint32(len(m.logp))
					probs[set.Probability] = p
					m.logp = append(m.logp, math.Log(set.Probability))
				}
				for _, g := range set.Ngrams {
					rs := []rune(g)
					if len(rs) == 0 || len(rs) > 3 {
						return nil, fmt.Errorf("%s: n-gram %q", path, g)
					}
					all = append(all, entry{gramKey(rs), uint8(l), p})
				}
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("no models for %s", languages[l].code)
		}
	}
	slices.SortFunc(all, func(a, b entry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return int(a.lang) - int(b.lang)
	})
	m.index = make(map[uint64]uint32, len(all)/2)
	m.all = make([]posting, 0, len(all))
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].key == all[i].key {
			if j > i && all[j].lang == all[j-1].lang {
				return nil, fmt.Errorf("n-gram twice in one model")
			}
			m.all = append(m.all, posting{all[j].prob, all[j].lang})
			j++
		}
		m.index[all[i].key] = uint32(i)<<5 | uint32(j-i)
		i = j
	}
	return m, nil
}

func readModel(b []byte) (*serialization.SerializableLanguageModel, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%d files in the model's ZIP", len(zr.File))
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	var model serialization.SerializableLanguageModel
	if err := proto.Unmarshal(raw, &model); err != nil {
		return nil, err
	}
	return &model, nil
}
