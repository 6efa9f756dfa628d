#pragma once
#include <stdexcept>
#include <string>

namespace checkride {

// Bad user input: names the file, the line (1-based, 0 if unknown) and the field, and
// says what was expected. The CLI turns it into exit code 2; the service into a 4xx.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, int line, std::string field, std::string message)
      : std::runtime_error(format(file, line, field, message)),
        file_(std::move(file)),
        line_(line),
        field_(std::move(field)) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  static std::string format(const std::string& file, int line, const std::string& field,
                            const std::string& message) {
    std::string out = file.empty() ? "<input>" : file;
    if (line > 0) out += ":" + std::to_string(line);
    if (!field.empty()) out += ": " + field;
    return out + ": " + message;
  }
  std::string file_;
  int line_;
  std::string field_;
};

}  // namespace checkride
