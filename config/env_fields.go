package config

import (
	"errors"
	"reflect"
	"strconv"
	"sync"
	"time"
)

// envField is one variable as described by the tags on an Env field.
type envField struct {
	index       int
	name        string
	def         string
	required    bool
	secret      bool
	description string
}

// envFields reads Env's tags once. Reading them at run time (rather than
// repeating names in code) keeps the struct the only place to edit when a
// variable is added.
var envFields = sync.OnceValue(func() []envField {
	t := reflect.TypeFor[Env]()
	fields := make([]envField, 0, t.NumField())
	for i := range t.NumField() {
		tag := t.Field(i).Tag
		fields = append(fields, envField{
			index:       i,
			name:        tag.Get("envconfig"),
			def:         tag.Get("default"),
			required:    isTrue(tag.Get("required")),
			secret:      isTrue(tag.Get("secret")),
			description: tag.Get("desc"),
		})
	}
	return fields
})

func isTrue(tagValue string) bool {
	b, _ := strconv.ParseBool(tagValue)
	return b
}

var durationType = reflect.TypeFor[time.Duration]()

// errNotSupported means Env gained a field of a type setField cannot parse;
// it is a programming mistake that the tests catch.
var errNotSupported = errors.New("unsupported field type")

// setField parses raw into the field according to its Go type. Integers are
// read in base 10 only (unlike envconfig, which would read "010" as 8).
func setField(field reflect.Value, raw string) error {
	switch {
	case field.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		field.SetInt(int64(d))
	case field.Kind() == reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return err
		}
		field.SetInt(int64(n))
	case field.Kind() == reflect.String:
		field.SetString(raw)
	default:
		return errNotSupported
	}
	return nil
}

// parseHint says what a well-formed value of the field looks like, for the
// error shown when parsing fails.
func parseHint(field reflect.Value) string {
	switch {
	case field.Type() == durationType:
		return "a duration such as 30s or 5m"
	case field.Kind() == reflect.Int:
		return "a whole number"
	default:
		return "a " + field.Type().String()
	}
}
