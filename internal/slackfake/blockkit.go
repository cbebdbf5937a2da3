package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Slack checks every blocks array and view it receives against Block Kit's
// documented limits and refuses the whole request over a single violation,
// naming each one with a JSON pointer ("must be less than 301 characters
// [json-pointer:/blocks/3/accessory/confirm/text/text]"). The fake does the
// same, so a bot whose views pass here does not fail in front of people.
// Fields without a rule here pass unchecked.

// Limits that apply to a whole surface rather than to one object.
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
	maxMessageText   = 40_000
	maxInputLength   = 3000 // plain_text_input's longest value
)

// problem is one violation and where it is.
type problem struct {
	pointer string // into the request, e.g. "/blocks/3/text/text"
	message string // in Slack's words, e.g. "must be less than 3001 characters"
}

// String renders the problem as Slack lists it in "errors".
func (p problem) String() string { return p.message + " [json-pointer:" + p.pointer + "]" }

// checker collects the problems found while checks walk a payload.
type checker struct{ problems []problem }

func (c *checker) fail(at, format string, args ...any) {
	c.problems = append(c.problems, problem{pointer: at, message: fmt.Sprintf(format, args...)})
}

// check validates the value found at a JSON pointer.
type check func(c *checker, at string, value any)

// field is one property of an object and the check its value must pass.
// A null value counts as absent.
type field struct {
	name     string
	required bool
	check    check
}

func opt(name string, c check) field { return field{name: name, check: c} }
func req(name string, c check) field { return field{name: name, required: true, check: c} }

// shape describes an object: its fields, and rules that span several fields.
type shape struct {
	fields []field
	rules  []func(c *checker, at string, object map[string]any)
}

func (s shape) check(c *checker, at string, value any) {
	object, ok := value.(map[string]any)
	if !ok {
		c.fail(at, "must be an object")
		return
	}
	for _, f := range s.fields {
		if inner := object[f.name]; inner != nil {
			f.check(c, at+"/"+f.name, inner)
		} else if f.required {
			c.fail(at, "missing required field: %s", f.name)
		}
	}
	for _, rule := range s.rules {
		rule(c, at, object)
	}
}

func isString(c *checker, at string, value any) {
	if _, ok := value.(string); !ok {
		c.fail(at, "must be a string")
	}
}

// chars checks a string of at most max characters, counted as Slack counts
// them: in Unicode code points.
func chars(max int) check {
	return func(c *checker, at string, value any) {
		text, ok := value.(string)
		if !ok {
			c.fail(at, "must be a string")
			return
		}
		if utf8.RuneCountInString(text) > max {
			c.fail(at, "must be less than %d characters", max+1)
		}
	}
}

// nonEmpty adds Slack's one-character minimum to a string check.
func nonEmpty(inner check) check {
	return func(c *checker, at string, value any) {
		if value == "" {
			c.fail(at, "must be more than 0 characters")
			return
		}
		inner(c, at, value)
	}
}

func oneOf(values ...string) check {
	return func(c *checker, at string, value any) {
		if text, _ := value.(string); !slices.Contains(values, text) {
			c.fail(at, "must be a valid enum value")
		}
	}
}

func boolean(c *checker, at string, value any) {
	if _, ok := value.(bool); !ok {
		c.fail(at, "must be a boolean")
	}
}

// integer checks a whole number from min to max.
func integer(min, max int64) check {
	return func(c *checker, at string, value any) {
		number, _ := value.(json.Number)
		n, err := number.Int64()
		switch {
		case err != nil:
			c.fail(at, "must be an integer")
		case n < min:
			c.fail(at, "must be greater than or equal to %d", min)
		case n > max:
			c.fail(at, "must be less than or equal to %d", max)
		}
	}
}

// items checks an array of min to max items, each passing each.
func items(min, max int, each check) check {
	return func(c *checker, at string, value any) {
		list, ok := value.([]any)
		if !ok {
			c.fail(at, "must be an array")
			return
		}
		if len(list) < min {
			c.fail(at, "must provide at least %d items", min)
		}
		if len(list) > max {
			c.fail(at, "no more than %d items allowed", max)
		}
		for i, item := range list {
			each(c, fmt.Sprintf("%s/%d", at, i), item)
		}
	}
}

// textObject checks a text object of one of the given types whose text is
// not empty and passes textCheck.
func textObject(textCheck check, types ...string) check {
	return shape{fields: []field{
		req("type", oneOf(types...)),
		req("text", nonEmpty(textCheck)),
		opt("emoji", boolean),
		opt("verbatim", boolean),
	}}.check
}

// text checks a text object of one of the given types holding 1 to max
// characters.
func text(max int, types ...string) check { return textObject(chars(max), types...) }

func plainText(max int) check { return text(max, "plain_text") }
func anyText(max int) check   { return text(max, "plain_text", "mrkdwn") }

// Composition objects.
var (
	confirmDialog = shape{fields: []field{
		req("title", plainText(100)),
		req("text", anyText(300)),
		req("confirm", plainText(30)),
		req("deny", plainText(30)),
		opt("style", oneOf("primary", "danger")),
	}}.check

	// menuOption is an option of a select or overflow menu; menus show
	// only plain text.
	menuOption = shape{fields: []field{
		req("text", plainText(75)),
		req("value", chars(150)),
		opt("description", plainText(75)),
		opt("url", chars(3000)),
	}}.check

	// choiceOption is an option of checkboxes or radio buttons, which
	// render mrkdwn too.
	choiceOption = shape{fields: []field{
		req("text", anyText(75)),
		req("value", chars(150)),
		opt("description", anyText(75)),
	}}.check

	optionGroup = shape{fields: []field{
		req("label", plainText(75)),
		req("options", items(1, 100, menuOption)),
	}}.check
)

// The elements each kind of block accepts, from Block Kit's reference.
var (
	selectMenus = []string{
		"static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
	}
	sectionAccessories = append([]string{
		"button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons", "timepicker", "workflow_button",
	}, selectMenus...)
	actionsElements = append([]string{
		"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "timepicker", "workflow_button",
	}, selectMenus...)
	inputElements = append([]string{
		"checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input", "number_input",
		"plain_text_input", "radio_buttons", "rich_text_input", "timepicker", "url_text_input",
	}, selectMenus...)
)

// interactive is the shape of an element people act on: it carries an
// action_id and may ask for confirmation first.
func interactive(fields ...field) shape {
	return shape{fields: append([]field{opt("action_id", chars(255)), opt("confirm", confirmDialog)}, fields...)}
}

// menu is the shape of a select menu: a placeholder and the given fields.
func menu(fields ...field) shape {
	return interactive(append([]field{opt("placeholder", plainText(150)), opt("focus_on_load", boolean)}, fields...)...)
}

// staticMenu is a menu listing its own options or option groups, not both;
// initial is "initial_option" or, for multi-selects, "initial_options".
func staticMenu(initial string) shape {
	initialCheck := menuOption
	if initial == "initial_options" {
		initialCheck = items(0, 100, menuOption)
	}
	s := menu(
		opt("options", items(1, 100, menuOption)),
		opt("option_groups", items(1, 100, optionGroup)),
		opt(initial, initialCheck),
	)
	s.rules = append(s.rules, optionsOrGroups, initialAmongOptions(initial))
	return s
}

var elementShapes = map[string]shape{
	"button": interactive(
		req("text", plainText(75)),
		opt("value", chars(2000)),
		opt("url", chars(3000)),
		opt("style", oneOf("primary", "danger")),
		opt("accessibility_label", chars(75)),
	),
	"static_select":              staticMenu("initial_option"),
	"multi_static_select":        staticMenu("initial_options"),
	"external_select":            menu(opt("initial_option", menuOption), opt("min_query_length", integer(0, 3000))),
	"multi_external_select":      menu(opt("initial_options", items(0, 100, menuOption)), opt("min_query_length", integer(0, 3000))),
	"users_select":               menu(),
	"multi_users_select":         menu(),
	"conversations_select":       menu(),
	"multi_conversations_select": menu(),
	"channels_select":            menu(),
	"multi_channels_select":      menu(),
	"overflow":                   interactive(req("options", items(1, 5, menuOption))),
	"checkboxes": interactive(
		req("options", items(1, 10, choiceOption)),
		opt("initial_options", items(0, 10, choiceOption)),
	),
	"radio_buttons": interactive(
		req("options", items(1, 10, choiceOption)),
		opt("initial_option", choiceOption),
	),
	"datepicker":     menu(),
	"timepicker":     menu(),
	"datetimepicker": interactive(),
	"plain_text_input": func() shape {
		s := menu(
			opt("initial_value", isString),
			opt("multiline", boolean),
			opt("min_length", integer(0, maxInputLength)),
			opt("max_length", integer(1, maxInputLength)),
		)
		s.rules = append(s.rules, initialValueWithinMaxLength)
		return s
	}(),
	"email_text_input": menu(),
	"url_text_input":   menu(),
	"number_input":     menu(),
	"rich_text_input":  menu(),
	"file_input":       interactive(),
	"workflow_button":  interactive(req("text", plainText(75))),
	"image": {fields: []field{
		req("alt_text", chars(2000)),
		opt("image_url", chars(3000)),
	}},
}

// element checks an element that must be one of the allowed types.
func element(allowed ...string) check {
	return func(c *checker, at string, value any) {
		object, ok := value.(map[string]any)
		if !ok {
			c.fail(at, "must be an object")
			return
		}
		kind := stringField(object, "type")
		s, known := elementShapes[kind]
		if !known || !slices.Contains(allowed, kind) {
			c.fail(at, "failed to match all allowed schemas")
			return
		}
		s.check(c, at, object)
	}
}

// contextElement is a context block's text object or image.
func contextElement(c *checker, at string, value any) {
	object, _ := value.(map[string]any)
	switch stringField(object, "type") {
	case "plain_text", "mrkdwn":
		textObject(isString, "plain_text", "mrkdwn")(c, at, value) // no documented length limit
	default:
		element("image")(c, at, value)
	}
}

// block adds the block_id every block may carry to a block's fields.
func block(fields ...field) shape {
	return shape{fields: append([]field{opt("block_id", chars(255))}, fields...)}
}

var blockShapes = map[string]shape{
	"section": func() shape {
		s := block(
			opt("text", anyText(3000)),
			opt("fields", items(1, 10, anyText(2000))),
			opt("accessory", element(sectionAccessories...)),
		)
		s.rules = append(s.rules, textOrFields)
		return s
	}(),
	"header":  block(req("text", plainText(150))),
	"context": block(req("elements", items(1, 10, contextElement))),
	"actions": block(req("elements", items(1, 25, element(actionsElements...)))),
	"input": block(
		req("label", plainText(2000)),
		req("element", element(inputElements...)),
		opt("hint", plainText(2000)),
		opt("optional", boolean),
		opt("dispatch_action", boolean),
	),
	"divider": block(),
	"image": block(
		req("alt_text", chars(2000)),
		opt("image_url", chars(3000)),
		opt("title", plainText(2000)),
	),
	"rich_text": block(),
	"video":     block(),
	"file":      block(),
	"markdown":  block(),
}

func checkBlock(c *checker, at string, value any) {
	object, ok := value.(map[string]any)
	if !ok {
		c.fail(at, "must be an object")
		return
	}
	s, known := blockShapes[stringField(object, "type")]
	if !known {
		c.fail(at+"/type", "must be a valid enum value")
		return
	}
	s.check(c, at, object)
}

// blocks checks a blocks array of at most max blocks whose block_ids, where
// given, are unique.
func blocks(max int) check {
	each := items(0, max, checkBlock)
	return func(c *checker, at string, value any) {
		each(c, at, value)
		list, _ := value.([]any)
		seen := map[string]bool{}
		for i, item := range list {
			object, _ := item.(map[string]any)
			id := stringField(object, "block_id")
			if id != "" && seen[id] {
				c.fail(fmt.Sprintf("%s/%d/block_id", at, i), "duplicate block_id")
			}
			seen[id] = true
		}
	}
}

// Rules spanning several fields of one object.

func textOrFields(c *checker, at string, object map[string]any) {
	if object["text"] == nil && object["fields"] == nil {
		c.fail(at, "must provide either text or fields")
	}
}

func optionsOrGroups(c *checker, at string, object map[string]any) {
	if (object["options"] == nil) == (object["option_groups"] == nil) {
		c.fail(at, "must provide exactly one of options or option_groups")
	}
}

// initialAmongOptions requires the initial option(s) of a static menu to be
// among its options, as Slack does.
func initialAmongOptions(key string) func(c *checker, at string, object map[string]any) {
	return func(c *checker, at string, object map[string]any) {
		initial := []any{object[key]}
		if list, ok := object[key].([]any); ok {
			initial = list
		}
		offered := menuOptions(object)
		for i, option := range initial {
			if option == nil || slices.ContainsFunc(offered, func(o map[string]any) bool { return sameOption(o, option) }) {
				continue
			}
			pointer := at + "/" + key
			if key == "initial_options" {
				pointer = fmt.Sprintf("%s/%d", pointer, i)
			}
			c.fail(pointer, "must match one of the provided options")
		}
	}
}

// menuOptions lists a menu's options, those in option groups included.
func menuOptions(object map[string]any) []map[string]any {
	var out []map[string]any
	collect := func(list any) {
		items, _ := list.([]any)
		for _, item := range items {
			if option, ok := item.(map[string]any); ok {
				out = append(out, option)
			}
		}
	}
	collect(object["options"])
	groups, _ := object["option_groups"].([]any)
	for _, group := range groups {
		if g, ok := group.(map[string]any); ok {
			collect(g["options"])
		}
	}
	return out
}

// sameOption compares options the way people see them: value and text.
func sameOption(a map[string]any, b any) bool {
	other, _ := b.(map[string]any)
	return stringField(a, "value") == stringField(other, "value") && optionText(a) == optionText(other)
}

func optionText(option map[string]any) string {
	text, _ := option["text"].(map[string]any)
	return stringField(text, "text")
}

// initialValueWithinMaxLength: a plain-text input's initial value fits its
// max_length, or Slack's 3000 characters when it sets none.
func initialValueWithinMaxLength(c *checker, at string, object map[string]any) {
	initial, ok := object["initial_value"].(string)
	if !ok {
		return
	}
	limit := int64(maxInputLength)
	if number, ok := object["max_length"].(json.Number); ok {
		if max, err := number.Int64(); err == nil && max < limit {
			limit = max
		}
	}
	if int64(utf8.RuneCountInString(initial)) > limit {
		c.fail(at+"/initial_value", "must be less than %d characters", limit+1)
	}
}

// Surfaces.

var (
	messageBlocks = blocks(maxMessageBlocks)

	modalView = shape{
		fields: []field{
			req("title", plainText(24)),
			req("blocks", blocks(maxViewBlocks)),
			opt("close", plainText(24)),
			opt("submit", plainText(24)),
			opt("private_metadata", chars(3000)),
			opt("callback_id", chars(255)),
			opt("external_id", chars(255)),
			opt("clear_on_close", boolean),
			opt("notify_on_close", boolean),
			opt("submit_disabled", boolean),
		},
		rules: []func(c *checker, at string, object map[string]any){submitWithInputs},
	}

	homeView = shape{fields: []field{
		req("blocks", blocks(maxViewBlocks)),
		opt("private_metadata", chars(3000)),
		opt("callback_id", chars(255)),
		opt("external_id", chars(255)),
	}}

	// suggestions is the ack to a block_suggestion: the options an
	// external select shows for what was typed.
	suggestions = shape{
		fields: []field{
			opt("options", items(0, 100, menuOption)),
			opt("option_groups", items(0, 100, optionGroup)),
		},
		rules: []func(c *checker, at string, object map[string]any){optionsOrGroups},
	}
)

// submitWithInputs: a modal holding input blocks needs a Submit button.
func submitWithInputs(c *checker, at string, object map[string]any) {
	if object["submit"] != nil {
		return
	}
	list, _ := object["blocks"].([]any)
	for _, item := range list {
		if block, _ := item.(map[string]any); stringField(block, "type") == "input" {
			c.fail(at, "must provide a submit property when using input blocks")
			return
		}
	}
}

// checkBlocks checks a message's blocks; at is where they sit in the request.
func checkBlocks(blocks any, at string) []problem {
	var c checker
	messageBlocks(&c, at, blocks)
	return c.problems
}

// checkView checks a modal or Home tab by its type; at is where it sits in
// the request.
func checkView(view map[string]any, at string) []problem {
	var c checker
	switch stringField(view, "type") {
	case "modal":
		modalView.check(&c, at, view)
	case "home":
		homeView.check(&c, at, view)
	default:
		c.fail(at+"/type", "must be a valid enum value")
	}
	return c.problems
}

// checkSuggestions checks the options answering a block_suggestion.
func checkSuggestions(ack map[string]any) []problem {
	var c checker
	suggestions.check(&c, "", ack)
	return c.problems
}

// errorMessages renders problems as Slack's response_metadata.messages.
func errorMessages(problems []problem) []string {
	if len(problems) == 0 {
		return nil
	}
	messages := make([]string, len(problems))
	for i, p := range problems {
		messages[i] = "[ERROR] " + p.String()
	}
	return messages
}
