import Foundation

extension ConfigurationCheck {
    /// Whether the state directory exists and is writable, or could be created; never creates it.
    static func stateDirectoryProblems(_ configuration: GatewayConfiguration) -> [ConfigurationProblem] {
        let path = configuration.stateDirectory
        guard !path.isEmpty else { return [] }
        let key = "stateDirectory"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return [ConfigurationProblem(key: key, problem: "\(path) exists but is not a directory")] }
            guard access(path, W_OK | X_OK) == 0 else {
                return [ConfigurationProblem(key: key, problem: "\(path) is not writable by this user (uid \(getuid()))")]
            }
            return []
        }
        var parent = URL(fileURLWithPath: path).standardizedFileURL
        repeat {
            parent = parent.deletingLastPathComponent()
        } while !FileManager.default.fileExists(atPath: parent.path) && parent.path != "/"
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [ConfigurationProblem(key: key, problem: "\(path) cannot be created: \(parent.path) is not a directory")]
        }
        guard access(parent.path, W_OK | X_OK) == 0 else {
            return [ConfigurationProblem(
                key: key, problem: "\(path) does not exist and cannot be created: \(parent.path) is not writable by this user (uid \(getuid()))")]
        }
        return []
    }
}
