package ring

import "testing"

func TestFIFOAcrossGrowthAndWrap(t *testing.T) {
	var r Ring[int]
	if r.Cap() != 0 {
		t.Fatalf("a new ring has storage: %d", r.Cap())
	}
	next, want := 0, 0
	for round := range 50 {
		for range round%7 + 1 {
			r.Push(next)
			next++
		}
		for range round%5 + 1 {
			v, ok := r.Pop()
			if !ok {
				break
			}
			if v != want {
				t.Fatalf("popped %d, want %d", v, want)
			}
			want++
		}
	}
	for r.Len() > 0 {
		if v, _ := r.Pop(); v != want {
			t.Fatalf("popped %d, want %d", v, want)
		}
		want++
	}
	if want != next {
		t.Fatalf("popped %d values, pushed %d", want, next)
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("Pop on an empty ring succeeded")
	}
}

func TestPushFrontAtAndGrow(t *testing.T) {
	var r Ring[string]
	r.Push("b")
	r.Push("c")
	r.PushFront("a")
	r.Grow(16)
	if r.Cap() != 16 || r.Len() != 3 {
		t.Fatalf("cap %d len %d", r.Cap(), r.Len())
	}
	for i, w := range []string{"a", "b", "c"} {
		if *r.At(i) != w {
			t.Fatalf("At(%d) = %q, want %q", i, *r.At(i), w)
		}
	}
	*r.Front() = "A"
	if v, _ := r.Pop(); v != "A" {
		t.Fatalf("Front is not in place: %q", v)
	}
	r.Grow(2) // never shrinks
	if r.Cap() != 16 {
		t.Fatalf("Grow shrank the ring to %d", r.Cap())
	}
}

func TestPopReleasesAndClearKeepsStorage(t *testing.T) {
	var r Ring[*int]
	x := new(int)
	r.Push(x)
	r.Push(x)
	r.Pop() // the value was in slot 0
	if r.buf[0] != nil {
		t.Fatal("a popped slot still references its value")
	}
	r.Clear()
	if r.Len() != 0 || r.Cap() == 0 {
		t.Fatalf("Clear: len %d cap %d", r.Len(), r.Cap())
	}
	for _, p := range r.buf {
		if p != nil {
			t.Fatal("Clear kept a reference")
		}
	}
	r.Push(x)
	r.Reset()
	if r.Len() != 0 || r.Cap() != 0 {
		t.Fatalf("Reset: len %d cap %d", r.Len(), r.Cap())
	}
}
