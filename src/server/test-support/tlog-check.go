// tlog-check reads a C2SP tlog-tiles log over HTTP with Go's golang.org/x/mod/sumdb/tlog and checks
// it: the tree hash from the tiles against the checkpoint's root, and an inclusion proof for one
// entry, taken from its entry bundle. Usage: go run tlog-check.go <base URL> <index>
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		fail("GET %s: status %d", url, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	return b
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// c2sp turns Go's sumdb tile path (tile/8/L/N, tile/8/data/N) into the C2SP one (tile/L/N, tile/entries/N).
func c2sp(t tlog.Tile) string {
	p := t.Path()
	p = strings.Replace(p, "tile/8/data/", "tile/entries/", 1)
	return strings.Replace(p, "tile/8/", "tile/", 1)
}

type tiles struct{ base string }

func (t tiles) Height() int { return 8 }
func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		out[i] = get(t.base + "/" + c2sp(tile))
	}
	return out, nil
}
func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	base := os.Args[1]
	k, _ := strconv.ParseInt(os.Args[2], 10, 64)
	lines := strings.Split(string(get(base+"/checkpoint")), "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root: %v", err)
	}
	var root tlog.Hash
	copy(root[:], raw)
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles{base})
	th, err := tlog.TreeHash(size, hr)
	if err != nil {
		fail("tree hash: %v", err)
	}
	if th != root {
		fail("tree hash %s, checkpoint root %s", th, root)
	}
	proof, err := tlog.ProveRecord(size, k, hr)
	if err != nil {
		fail("prove record %d: %v", k, err)
	}
	w := size - (k/256)*256
	if w > 256 {
		w = 256
	}
	bundle := get(base + "/" + c2sp(tlog.Tile{H: 8, L: -1, N: k / 256, W: int(w)}))
	var entry []byte
	for i, at := int64(0), 0; at < len(bundle); i++ {
		n := int(binary.BigEndian.Uint16(bundle[at:]))
		if i == k%256 {
			entry = bundle[at+2 : at+2+n]
		}
		at += 2 + n
	}
	if entry == nil {
		fail("entry %d is not in its bundle", k)
	}
	if err := tlog.CheckRecord(proof, size, th, k, tlog.RecordHash(entry)); err != nil {
		fail("check record %d: %v", k, err)
	}
	fmt.Printf("ok size=%d root=%s record=%d\n", size, root, k)
}
