"""One conversation as an OpenAI message array, the shape the worked examples' generators
write: tool calls with JSON-string arguments, tool answers as JSON text (or plain text)."""
import json


class Conversation:
    def __init__(self, task, trial, user, system):
        self.task, self.trial, self.user = task, trial, user
        self.messages = [{"role": "system", "content": system}]
        self.calls = 0

    def say(self, role, text):
        self.messages.append({"role": role, "content": text})

    def call(self, name, args, answer):
        self.calls += 1
        call_id = f"call_{self.task}_{self.trial}_{self.calls}"
        self.messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": call_id, "type": "function",
             "function": {"name": name, "arguments": json.dumps(args)}}]})
        content = answer if isinstance(answer, str) else json.dumps(answer)
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})

    def dump(self):
        return {"task_id": self.task, "trial": self.trial, "user_id": self.user,
                "messages": self.messages}
