// Command copymodels copies lingua-go's language models for the languages
// given (ISO 639-1 codes: their unigram, bigram and trigram files, as
// lingua-go ships them) and its licence into ./models. `go generate
// ./language` runs it in the language directory, with the lingua-go version
// go.mod names (it must be in the module cache: go mod download).
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "copymodels:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		return fmt.Errorf("find lingua-go (go mod download first): %w", err)
	}
	src := strings.TrimSpace(string(out))
	codes := os.Args[1:]
	if len(codes) == 0 {
		return fmt.Errorf("usage: copymodels ISO-CODE...")
	}
	if err := os.RemoveAll("models"); err != nil {
		return err
	}
	n := 0
	for _, code := range codes {
		for _, name := range []string{"unigrams", "bigrams", "trigrams"} {
			rel := filepath.Join(code, name+".pb.bin.zip")
			b, err := os.ReadFile(filepath.Join(src, "language-models", rel))
			if os.IsNotExist(err) {
				continue // lingua-go has only unigrams for ja, ko, zh, he
			}
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Join("models", code), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join("models", rel), b, 0o644); err != nil {
				return err
			}
			n++
		}
	}
	lic, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if err != nil {
		return err
	}
	notice := []byte("The files under this directory are lingua-go's language models (" + filepath.Base(src) +
		", https://github.com/pemistahl/lingua-go), copied unchanged by language/internal/copymodels.\n\n")
	if err := os.WriteFile(filepath.Join("models", "LICENSE"), bytes.Join([][]byte{notice, lic}, nil), 0o644); err != nil {
		return err
	}
	fmt.Printf("copied %d model files from %s\n", n, src)
	return nil
}
