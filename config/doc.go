// Package config loads the bot's two sources of configuration: process
// environment variables (secrets and tuning knobs, see Env) and the channel
// mapping file (which Slack channel may invite testers into which Applivery
// store, see Mapping).
//
// Both loaders validate everything up front and report every mistake at once
// as a *Problems error, so an operator fixing a deployment sees the whole list
// in one run instead of discovering problems one restart at a time.
package config
