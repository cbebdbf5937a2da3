// Package config loads the bot's two sources of configuration: process environment variables
// (secrets and tuning knobs, read with envconfig into Env) and the channel mapping file (which
// Slack channel may invite testers into which Applivery store, see Mapping).
//
// Both loaders validate everything up front and report every mistake at once as a *Problems
// error, so an operator fixing a deployment sees the whole list in one run instead of
// discovering problems one restart at a time. The one exception is a value envconfig cannot
// convert at all, at which its reading stops (see Load).
package config
