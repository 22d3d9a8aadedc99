fn main() {
    println!("sim: placeholder");
}
