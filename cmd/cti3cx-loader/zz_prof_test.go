package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

func TestProfRewrite(t *testing.T) {
	in := "/tmp/h11/rw.csv"
	if _, err := os.Stat(in); err != nil {
		f, _ := os.Create(in)
		w := bufio.NewWriter(f)
		r := rand.New(rand.NewPCG(1, 2))
		w.WriteString("Código;Nome;Sobrenome;E-mail;Empresa;Telefone;Celular;Whatsapp;Telefone residencial\r\n")
		for i := range 200000 {
			fmt.Fprintf(w, "C-%d;\"Nome %d\";Sobrenome;c%d@example.com.br;Empresa %d;%s;\"%s\";%s;%s\r\n", i, i, i, i%1000, realisticCell(r), realisticCell(r), realisticCell(r), realisticCell(r))
		}
		w.Flush()
		f.Close()
	}
	run(context.Background(), []string{"rewrite", "--file", in, "--out", "/tmp/h11/rw-out.csv", "--ddd", "47", "--kind", "contacts"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
}
