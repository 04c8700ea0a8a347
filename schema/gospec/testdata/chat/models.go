// Package chat is the chat app of docs/declarations.md written as annotated
// Go: the same app as schema/yamlspec/testdata/chat.yaml.
package chat

//go:generate jsgen generate

// A chat room.
//
//jsgen:model idMaxLength=64
type Room struct {
	Name string `json:"name" jsgen:"maxLength=100"`
}

// A person who chats, identified by username.
//
//jsgen:model
type User struct {
	Username string `json:"username" jsgen:"minLength=1,maxLength=50"`
}
