// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The `alloc-census` diagnostic counts the live heap per allocating thread.
#[cfg(feature = "alloc-census")]
#[global_allocator]
static ALLOCATOR: sift_app_lib::alloc_census::Census = sift_app_lib::alloc_census::Census;

fn main() {
    sift_app_lib::run()
}
