// Command pause is the sandbox process of every pod on the testbed's real node: it holds the
// pod's namespaces, reaps the zombies re-parented to it and exits on SIGINT or SIGTERM.
// It is built statically so that its image holds this one file (no registry is reachable).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
