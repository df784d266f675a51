# Both binaries, static, in a minimal non-root image.
#   docker build -t cti3cx .
#   docker run --rm --entrypoint cti3cx-loader -e DATABASE_URL=postgres://... cti3cx migrate   (the loader)
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://... cti3cx                         (the API)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/cti3cx-loader ./cmd/cti3cx-api

# distroless/static carries CA certificates and time zone data, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cti3cx-loader /out/cti3cx-api /usr/local/bin/
USER nonroot:nonroot
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/cti3cx-api"]
