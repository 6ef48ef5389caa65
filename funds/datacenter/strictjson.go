package datacenter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// checkStrictKeys walks a body that encoding/json has already decoded without error and refuses what
// encoding/json lets through: object keys that match a field only when case is ignored
// ("AMOUNT_MILLS"), and duplicate keys at any depth (the last one wins in encoding/json, so a proxy or
// a log reading the first one would see another request). t is the type the body was decoded into.
func checkStrictKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkJSON(dec, t, "")
}

// walkJSON reads one JSON value from dec, checking every object in it against t (nil: any value, where
// only duplicate keys are refused).
func walkJSON(dec *json.Decoder, t reflect.Type, at string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return invalidf("malformed JSON (%v)", err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	switch delim {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkJSON(dec, elem, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				fields = jsonFields(t)
			case reflect.Map:
				elem = t.Elem()
			}
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return invalidf("malformed JSON (%v)", err)
			}
			key, _ := tok.(string)
			name := key
			if at != "" {
				name = at + "." + key
			}
			if seen[key] {
				return invalidf("field %q appears twice; send each field once", name)
			}
			seen[key] = true
			child := elem
			if fields != nil {
				ft, ok := fields[key]
				if !ok {
					return unknownField(name, key, fields)
				}
				child = ft
			}
			if err := walkJSON(dec, child, name); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ] or }
		return invalidf("malformed JSON (%v)", err)
	}
	return nil
}

func unknownField(name, key string, fields map[string]reflect.Type) error {
	for f := range fields {
		if strings.EqualFold(f, key) {
			return invalidf("unknown field %q: field names are case-sensitive; use %q", name, f)
		}
	}
	return invalidf("unknown field %q (field names are case-sensitive)", name)
}

// fieldsOf caches jsonFields by type: every request's body is checked, and its few types never change.
var fieldsOf sync.Map // reflect.Type → map[string]reflect.Type, never written after it is stored

// jsonFields are the exact JSON names of a struct's fields, as encoding/json writes them, with their
// types; embedded structs without a tag contribute their fields. The map is shared: read it only.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldsOf.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m, _ := fieldsOf.LoadOrStore(t, structFields(t))
	return m.(map[string]reflect.Type)
}

func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range structFields(ft) {
					if _, dup := out[k]; !dup {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
