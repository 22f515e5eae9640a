package ldapsync

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Raw hashes: what the directory says of a user is hashed before it is
// mapped, so that a user whose stored hash matches (see hash.go) costs no
// mapping and no schema normalisation. A raw hash covers everything the
// mapped user depends on: the entry's raw values of every attribute the
// source requests (the id, uid, the mapped attributes, the account-state
// attributes), the account state now (an accountExpires passes with time,
// not with the entry), and the mapping's fingerprint (Mapper.fingerprint),
// so that a change of the mapping or of the organization's schemas
// changes every hash.

// mappingVersion names the mapping code: change it whenever the code that
// turns entries into documents (Mapper.complete, place, the schema's
// Normalize) changes what it makes, so that every stored hash is
// recomputed from a fresh mapping.
const mappingVersion = "ldapsync mapping 1"

// fingerprint hashes everything, but the entry, that a mapped user
// depends on: the mapping code's version, the source's scope fingerprint
// (server, base DNs, filters, id, disabled and mapping attributes), the
// preset, the compiled mapping, the requested attributes and the
// organization's User resource type (its schemas and extensions).
func (m *Mapper) fingerprint() ([sha256.Size]byte, error) {
	b := []byte(mappingVersion)
	for _, s := range []string{m.src.Fingerprint(), m.src.Preset, m.src.IDAttribute, m.src.DisabledAttribute,
		m.userName, m.manager, strconv.FormatBool(m.adAccount)} {
		b = strconv.AppendQuote(b, s)
	}
	for _, t := range m.targets {
		b = strconv.AppendQuote(strconv.AppendQuote(b, t.key), t.ldap)
	}
	for _, a := range m.userAttrs {
		b = strconv.AppendQuote(b, a)
	}
	type ext struct {
		URN      string
		Required bool
	}
	exts := make([]ext, 0, len(m.rt.Extensions))
	for _, e := range m.rt.Extensions {
		exts = append(exts, ext{e.Schema.ID, e.Required})
	}
	j, err := json.Marshal(struct {
		Schemas    any
		Extensions []ext
	}{m.rt.Schemas(), exts})
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(append(b, j...)), nil
}

// entryHasher computes raw hashes, reusing its buffers: one per
// goroutine (it is not safe for concurrent use).
type entryHasher struct {
	m *Mapper
	// slot maps an attribute name as the server spells it to its index
	// in m.userAttrs (-1: not requested).
	slot  map[string]int
	slots []int
	buf   []byte
}

func (m *Mapper) newHasher() *entryHasher {
	return &entryHasher{m: m, slot: map[string]int{}}
}

// sum returns the raw hash of e in the account state disabled, reason:
// the values of the requested attributes in the order they are requested
// (matched case-insensitively, as the mapping reads them), each length-
// prefixed, so that two different entries never hash alike.
func (h *entryHasher) sum(e *ldap.Entry, disabled bool, reason string) [sha256.Size]byte {
	b := append(h.buf[:0], h.m.fp[:]...)
	b = strconv.AppendBool(b, disabled)
	b = binary.AppendUvarint(b, uint64(len(reason)))
	b = append(b, reason...)
	h.slots = h.slots[:0]
	for _, a := range e.Attributes {
		h.slots = append(h.slots, h.slotOf(a.Name))
	}
	for j := range h.m.userAttrs {
		for i, a := range e.Attributes {
			if h.slots[i] != j {
				continue
			}
			b = binary.AppendUvarint(b, uint64(j+1))
			b = binary.AppendUvarint(b, uint64(len(a.Values)))
			if len(a.ByteValues) == len(a.Values) { // as read: both
				for _, v := range a.ByteValues {
					b = binary.AppendUvarint(b, uint64(len(v)))
					b = append(b, v...)
				}
				continue
			}
			for _, v := range a.Values { // an entry built by hand
				b = binary.AppendUvarint(b, uint64(len(v)))
				b = append(b, v...)
			}
		}
	}
	h.buf = b
	return sha256.Sum256(b)
}

// slotOf is the index in the requested attributes of the attribute
// named name, -1 when it was not requested.
func (h *entryHasher) slotOf(name string) int {
	if j, ok := h.slot[name]; ok {
		return j
	}
	j := -1
	for k, a := range h.m.userAttrs {
		if strings.EqualFold(a, name) {
			j = k
			break
		}
	}
	if len(h.slot) < 256 { // a server that spells names every which way gets no cache
		h.slot[name] = j
	}
	return j
}
