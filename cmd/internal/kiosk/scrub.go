package kiosk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// scrubConfig rewrites the kiosk configuration at path without the named fields ("enrollment_token",
// "supervisor.pin": a top-level field or one inside a top-level object) once the kiosk has used them, so
// the file keeps no secret and no PIN. Every other field stays, in its order, and so does the file's
// mode (and owner, where allowed): the new text goes to a temporary file in the same folder, which is
// synced and renamed over the old one, so a crash leaves either file whole. It reports whether there
// was anything to remove.
func scrubConfig(path string, fields ...string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("clean %s: %w", path, err)
	}
	top, err := orderedObject(data)
	if err != nil {
		return false, fmt.Errorf("clean %s: %w", path, err)
	}
	removed := false
	for _, field := range fields {
		parent, name, nested := strings.Cut(field, ".")
		if !nested {
			top, removed = dropField(top, parent, removed)
			continue
		}
		for i, f := range top {
			if f.key != parent || bytes.Equal(bytes.TrimSpace(f.value), []byte("null")) {
				continue
			}
			inner, err := orderedObject(f.value)
			if err != nil {
				return false, fmt.Errorf("clean %s: %s: %w", path, parent, err)
			}
			inner, removed = dropField(inner, name, removed)
			top[i].value = encodeObject(inner)
		}
	}
	if !removed {
		return false, nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, encodeObject(top), "", "  "); err != nil {
		return false, fmt.Errorf("clean %s: %w", path, err)
	}
	out.WriteByte('\n')
	if err := replaceFile(path, out.Bytes()); err != nil {
		return false, fmt.Errorf("clean %s: %w", path, err)
	}
	return true, nil
}

// dropField removes the field named key; removed becomes true if there was one.
func dropField(fields []jsonField, key string, removed bool) ([]jsonField, bool) {
	kept := fields[:0]
	for _, f := range fields {
		if f.key == key {
			removed = true
			continue
		}
		kept = append(kept, f)
	}
	return kept, removed
}

type jsonField struct {
	key   string
	value json.RawMessage
}

// orderedObject splits a JSON object into its fields, in the order they are written.
func orderedObject(data []byte) ([]jsonField, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var fields []jsonField
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		fields = append(fields, jsonField{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text after the JSON object")
	}
	return fields, nil
}

func encodeObject(fields []jsonField) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// replaceFile writes data to path through a temporary file in the same folder with path's mode and
// owner, synced, then renamed over path.
func replaceFile(path string, data []byte) (err error) {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return err
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && (int(st.Uid) != os.Getuid() || int(st.Gid) != os.Getgid()) {
		if err := tmp.Chown(int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename is durable once the folder is synced; best effort
		d.Close()
	}
	return nil
}
