package extract

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// Node is a resource in the run's dependency tree: a top-level resource
// or one that depends on its parent, with the resources that depend on it.
type Node struct {
	Resource *Resource
	Children []*Node
	// Load is false for a resource that runs only to feed its children
	// (`selected: false`, or a parent of a resource picked with
	// --resources): its pages are not emitted.
	Load bool
	// OnPage, when set, is called with every page of the resource that
	// was extracted (loaded or not), before its children see it: the
	// place to count progress.
	OnPage func(*Page)
}

// Tree runs dependency trees: a resource's pages flow to the resources
// that depend on it as they arrive, each parent record (or batch of them,
// endpoint.parent_batch) becoming one request chain of the child.
//
// Chains of one child run concurrently, Workers at a time, yet their pages
// are emitted in the order of the parent records that started them, so the
// same API gives the same tables, row for row, on every run. At most
// Window chains are started ahead of the one being emitted, and each
// holds at most two pages ahead, so memory stays flat however many parents
// there are.
type Tree struct {
	X       *Extractor
	Workers int
	// Emit receives every page to load, from one goroutine per tree node
	// at a time; it must be safe for concurrent calls from different nodes.
	Emit func(*Page) error
}

// Run extracts root and its descendants. It returns the first error;
// every goroutine it started has ended when it returns.
func (t *Tree) Run(ctx context.Context, root *Node) error {
	g, gctx := errgroup.WithContext(ctx)
	n := t.start(gctx, g, root)
	g.Go(func() error {
		err := t.X.RunChain(gctx, root.Resource, nil, n.handle)
		if ferr := n.finish(gctx); err == nil {
			err = ferr
		}
		return err
	})
	return g.Wait()
}

// nodeRun is one node during a run: where its pages go.
type nodeRun struct {
	t    *Tree
	node *Node
	fans []*fanout
}

func (t *Tree) start(ctx context.Context, g *errgroup.Group, n *Node) *nodeRun {
	nr := &nodeRun{t: t, node: n}
	for _, c := range n.Children {
		nr.fans = append(nr.fans, t.newFanout(ctx, g, n, c))
	}
	return nr
}

// handle emits a page of the node (when it loads) and hands its records to
// the node's children.
func (nr *nodeRun) handle(p *Page) error {
	if nr.node.OnPage != nil {
		nr.node.OnPage(p)
	}
	if nr.node.Load {
		// the normalizer reads the records while the children do: neither
		// changes them
		if err := nr.t.Emit(p); err != nil {
			return err
		}
	}
	for _, f := range nr.fans {
		if err := f.submit(p.Records); err != nil {
			return err
		}
	}
	return nil
}

// finish tells the children that no more parent records come and waits
// until they have emitted everything.
func (nr *nodeRun) finish(ctx context.Context) error {
	var first error
	for _, f := range nr.fans {
		if err := f.close(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// fanout turns the records of a parent into request chains of one child.
type fanout struct {
	ctx     context.Context
	parent  string
	child   *nodeRun
	size    int // parent records per chain
	sep     string
	pending []any
	order   chan *chain // in parent order, for the emitter
	work    chan *chain // the same, for the workers
	done    chan error  // the emitter's result
}

// chain is one request chain of the child and the pages it produced.
type chain struct {
	records []any
	pages   chan *Page
	err     error
}

func (t *Tree) newFanout(ctx context.Context, g *errgroup.Group, parent, child *Node) *fanout {
	workers := max(t.Workers, 1)
	f := &fanout{
		ctx:    ctx,
		parent: parent.Resource.Config.Name,
		child:  t.start(ctx, g, child),
		size:   1,
		sep:    ",",
		order:  make(chan *chain, 2*workers),
		work:   make(chan *chain, 2*workers),
		done:   make(chan error, 1),
	}
	if b := child.Resource.Config.Endpoint.ParentBatch; b != nil && b.Size > 1 {
		f.size, f.sep = b.Size, b.Separator
	}
	for range workers {
		g.Go(func() error {
			for c := range f.work {
				v := &Vars{Parent: f.parent, Records: c.records, Separator: f.sep}
				c.err = t.X.RunChain(ctx, child.Resource, v, func(p *Page) error {
					select {
					case c.pages <- p:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
				close(c.pages)
			}
			return nil
		})
	}
	g.Go(func() error {
		err := f.emit(ctx)
		if ferr := f.child.finish(ctx); err == nil {
			err = ferr
		}
		f.done <- err
		return err
	})
	return f
}

// emit hands the chains' pages to the child, chain after chain.
func (f *fanout) emit(ctx context.Context) error {
	for c := range f.order {
		for p := range c.pages {
			if err := f.child.handle(p); err != nil {
				return err
			}
		}
		if c.err != nil {
			return c.err
		}
	}
	return ctx.Err()
}

// submit starts a chain per parent record, or per batch of them.
func (f *fanout) submit(records []any) error {
	for _, r := range records {
		f.pending = append(f.pending, r)
		if len(f.pending) >= f.size {
			if err := f.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fanout) flush() error {
	if len(f.pending) == 0 {
		return nil
	}
	c := &chain{records: f.pending, pages: make(chan *Page, 2)}
	f.pending = nil
	select {
	case f.order <- c:
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
	select {
	case f.work <- c:
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
	return nil
}

// close starts the last batch, ends the fan-out and waits for the child
// (and its own children) to have emitted everything.
func (f *fanout) close(ctx context.Context) error {
	err := f.flush()
	close(f.order)
	close(f.work)
	select {
	case e := <-f.done:
		if err == nil {
			err = e
		}
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
