//go:build !kt_linked && !kt_used

package main

func link() {}
