package main

import (
	"context"
	"fmt"
)

// cluster connects a node's channels, members and presence to a bus.
type cluster struct{}

func joinCluster(ctx context.Context, a *app, url, node string) (*cluster, error) {
	return nil, fmt.Errorf("bus %q: cluster mode is not available yet", url)
}

func (c *cluster) close() {}
